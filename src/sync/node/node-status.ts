/**
 * A running node's status as plain JSON: who it is, its peers (client, direction, eth version,
 * announced head, traffic, age), dial outcomes, inbound refusals, disconnect reasons, discovery
 * table fill and traffic per message. What `/api/status` serves and the status page draws; read
 * from the same server, eth and discovery state as the metrics, at the moment it is asked.
 */
import { bytesToHex } from '../../common/bytes.js';
import type { Discv4 } from '../../discv4/discv4.js';
import { BUCKET_SIZE, N_BUCKETS } from '../../discv4/table.js';
import type { EthNetwork } from '../../chain/chain-config.js';
import type { ChainReader } from '../../chain/chain.js';
import { messageLabel } from '../../server/metrics.js';
import type { Server } from '../../server/server.js';
import { announcedHead } from '../headers/eth-sync-peer.js';
import type { EthService } from './eth-service.js';
import { tableBuckets, type TableBucket } from './node-metrics.js';

/** What a status is read from: a {@link P2PNode} and what it was started with. */
export interface NodeStatusSource {
  server: Server;
  eth: EthService;
  discv4?: Discv4 | undefined;
  network: EthNetwork;
  /** Our chain, for our head. */
  chain?: ChainReader;
  /** When the node started (ms since the epoch), for its uptime. */
  startedAt?: number;
}

/** One key and its count. */
export interface StatusCount {
  key: string;
  count: number;
}

export interface PeerStatus {
  id: string;
  client: string;
  direction: 'inbound' | 'outbound';
  /** Remote IP:port. */
  address: string;
  /** Capabilities of its Hello ("eth/68"...). */
  caps: string[];
  /** Negotiated eth version, once its Status is through. */
  eth?: number;
  /** Head it announced: eth/69+ number and hash (kept current by BlockRangeUpdate), eth/68 hash only. */
  head?: { number?: string; hash: string };
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
  /** How long it has been connected, in ms. */
  ageMs: number;
  trusted: boolean;
  static: boolean;
}

export interface NodeStatus {
  /** When this status was read (RFC 3339). */
  at: string;
  node: { id: string; enode: string; network: string; networkId: string; genesis: string; head?: { number: string; hash: string }; uptimeMs?: number };
  counts: { inbound: number; outbound: number; eth: number; dialing: number };
  /** Connected peers, longest connected first. */
  peers: PeerStatus[];
  dials: { started: number; succeeded: number; failed: number; /** `success` and each failure kind. */ outcomes: StatusCount[] };
  inbound: { accepted: number; failures: StatusCount[]; /** Sockets refused before the handshake, by cause. */ refused: StatusCount[] };
  /** Sessions we refused after Hello, by reason. */
  refusedAfterHello: StatusCount[];
  disconnects: { reason: string; local: number; remote: number }[];
  discovery?: { nodes: number; capacity: number; buckets: TableBucket[]; packetsIn: number; packetsOut: number };
  traffic: { protocol: string; message: string; direction: 'in' | 'out'; messages: number; bytes: number }[];
}

const rows = (m: Record<string, number>): StatusCount[] =>
  Object.entries(m)
    .filter(([, n]) => n > 0)
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));

/** Reads the status of a node now. */
export function nodeStatus(src: NodeStatusSource): NodeStatus {
  const { server, eth, discv4, network } = src;
  const now = Date.now();
  const s = server.stats;
  const c = server.counts();
  const head = src.chain?.head();
  const peers: PeerStatus[] = server.peerInfos().map((p) => {
    const ep = eth.peers.get(p.id);
    const h = ep ? announcedHead(ep) : undefined;
    return {
      id: p.id,
      client: p.clientId,
      direction: p.direction,
      address: p.remoteAddress,
      caps: p.caps,
      ...(ep ? { eth: ep.version } : {}),
      ...(h ? { head: { ...(h.number !== undefined ? { number: h.number.toString() } : {}), hash: `0x${bytesToHex(h.hash)}` } } : {}),
      bytesIn: p.bytesIn,
      bytesOut: p.bytesOut,
      messagesIn: p.messagesIn,
      messagesOut: p.messagesOut,
      ageMs: p.uptimeMs,
      trusted: p.trusted,
      static: p.static,
    };
  });
  peers.sort((a, b) => b.ageMs - a.ageMs || a.id.localeCompare(b.id));
  const status: NodeStatus = {
    at: new Date(now).toISOString(),
    node: {
      id: server.id,
      enode: discv4 ? discv4.enode : server.enode,
      network: network.name,
      networkId: network.networkId.toString(),
      genesis: `0x${bytesToHex(network.genesisHash)}`,
      ...(head ? { head: { number: head.number.toString(), hash: `0x${bytesToHex(head.hash)}` } } : {}),
      ...(src.startedAt !== undefined ? { uptimeMs: now - src.startedAt } : {}),
    },
    counts: { inbound: c.inbound, outbound: c.outbound, eth: eth.peers.size, dialing: c.dialing },
    peers,
    dials: { started: s.dialsStarted, succeeded: s.dialsSucceeded, failed: s.dialsFailed, outcomes: rows({ success: s.dialsSucceeded, ...s.dialFailures }) },
    inbound: { accepted: s.inboundAccepted, failures: rows(s.inboundFailures), refused: rows(s.inboundRefused) },
    refusedAfterHello: rows(s.refusedAfterHello),
    disconnects: Object.entries(s.disconnects)
      .map(([reason, n]) => ({ reason, ...n }))
      .sort((a, b) => b.local + b.remote - (a.local + a.remote) || a.reason.localeCompare(b.reason)),
    traffic: server.traffic
      .rows()
      .map((r) => ({ protocol: r.protocol, message: messageLabel(server, r.protocol, r.code), direction: r.direction, messages: r.messages, bytes: r.bytes }))
      .sort((a, b) => b.messages - a.messages || a.message.localeCompare(b.message)),
  };
  if (discv4) {
    status.discovery = { nodes: discv4.table.size, capacity: N_BUCKETS * BUCKET_SIZE, buckets: tableBuckets(discv4), packetsIn: discv4.stats.packetsIn, packetsOut: discv4.stats.packetsOut };
  }
  return status;
}
