/**
 * The inbound packet handlers (geth `p2p/discover/v4_udp.go`, handlePacket and the per-type
 * handlers): every datagram is rate-limited, decoded and checked here, then answered or
 * handed to the reply matcher.
 *
 * Rules that protect the node (and that geth's `devp2p discv4 test` checks):
 * - every datagram passes the per-IP rate limit before any crypto (except the few replies a
 *   pending request of ours expects from that IP); non-discv4 datagrams
 *   (too small, bad hash, unknown type) and expired packets are dropped without a reply;
 * - a Ping is answered with a Pong whose `to` is the observed source address, and a node
 *   without a valid endpoint proof is pinged back at once;
 * - FindNode and ENRRequest are answered only for a (node ID, IP) that sent us a Pong with
 *   the right reply token within the bond period (see bonding.ts);
 * - Pong, Neighbors and ENRResponse are accepted only as replies to a pending request to
 *   that node ID at that IP (Pong and ENRResponse also by reply token; see reply-matcher.ts).
 */
import { bytesToHex, equalBytes } from '../common/bytes.js';
import { parseIp, relayIpError } from '../common/netutil.js';
import { keccak256 } from '../crypto/keccak.js';
import type { Enr } from '../enode/enr.js';
import type { Bonding } from './bonding.js';
import type { NeighborNode } from './endpoint.js';
import { PacketError, type PacketErrorReason } from './errors.js';
import { type Message, PacketType } from './messages.js';
import { splitNeighbors } from './neighbors.js';
import { type DiscNode, makeNode } from './node.js';
import type { NodeDb } from './nodedb.js';
import { decodePacket, type DecodedPacket, isExpired, type PacketSigner } from './packets.js';
import type { IpRateLimiter } from './ratelimit.js';
import type { ReplyMatcher } from './reply-matcher.js';
import { BUCKET_SIZE, type Table } from './table.js';
import type { UdpAddress } from './udp.js';

/** Why an inbound datagram was dropped. */
export type DropReason = PacketErrorReason | 'expired' | 'rate-limited' | 'unsolicited' | 'no-endpoint-proof' | 'self';

/** Counters (for logs, tests and benchmarks). */
export interface Discv4Stats {
  packetsIn: number;
  packetsOut: number;
  handled: number;
  dropped: Partial<Record<DropReason, number>>;
}

/** What the handlers need from the node. */
export interface HandlerHost {
  readonly selfId: Uint8Array;
  readonly stats: Discv4Stats;
  readonly table: Table;
  readonly db: NodeDb;
  readonly now: () => number;
  readonly signer: PacketSigner;
  /** Absent when rate limiting is off. */
  readonly limiter: IpRateLimiter | undefined;
  readonly replies: ReplyMatcher;
  readonly bonding: Bonding;
  isOpen(): boolean;
  /** Our current record (ENRResponse, and its seq in Pong). */
  enr(): Enr;
  /** Expiration for a packet sent now. */
  expiration(): bigint;
  /** Encodes, signs and sends `msg` to `to` (nothing once closed). */
  sendTo(msg: Message, to: UdpAddress): void;
  /** Pings `node` (the ping-back to a node without an endpoint proof). */
  ping(node: DiscNode): Promise<unknown>;
  /** A packet was handled. */
  handled(type: PacketType, from: UdpAddress, nodeId: Uint8Array): void;
  /** A datagram was dropped (after counting it in stats). */
  dropped(reason: DropReason, from: UdpAddress, detail: string): void;
}

/** Handles every datagram the node receives. */
export class PacketHandlers {
  constructor(private readonly host: HandlerHost) {}

  onDatagram(data: Uint8Array, from: UdpAddress): void {
    const host = this.host;
    if (!host.isOpen()) return;
    host.stats.packetsIn++;
    if (host.limiter && !host.replies.expectedReply(data, from.ip) && !host.limiter.allow(from.ip)) return this.drop('rate-limited', from, 'per-IP limit');
    let pkt: DecodedPacket;
    try {
      pkt = decodePacket(data, host.signer);
    } catch (err) {
      if (err instanceof PacketError) return this.drop(err.reason, from, err.message);
      return this.drop('bad-body', from, (err as Error).message);
    }
    if (equalBytes(pkt.nodeId, host.selfId)) return this.drop('self', from, 'packet from our own key');
    const msg = pkt.message;
    if (msg.type !== PacketType.EnrResponse && isExpired(msg.expiration, Math.floor(host.now() / 1000))) {
      return this.drop('expired', from, `expiration ${msg.expiration}`);
    }
    const fromIp = parseIp(from.ip);
    if (!fromIp) return this.drop('bad-body', from, 'bad source address');
    const idHex = bytesToHex(pkt.nodeId);
    switch (msg.type) {
      case PacketType.Ping:
        this.handlePing(pkt, msg.from.tcpPort, from, fromIp, idHex);
        break;
      case PacketType.FindNode:
      case PacketType.EnrRequest:
        if (!host.bonding.hasProof(idHex, from.ip)) return this.drop('no-endpoint-proof', from, `${idHex.slice(0, 16)} not bonded`);
        if (msg.type === PacketType.FindNode) this.handleFindNode(msg.target, from, fromIp);
        else host.sendTo({ type: PacketType.EnrResponse, replyToken: pkt.hash, record: host.enr() }, from);
        break;
      case PacketType.Pong:
      case PacketType.Neighbors:
      case PacketType.EnrResponse:
        if (!host.replies.match(idHex, from.ip, pkt, fromIp)) return this.drop('unsolicited', from, `unsolicited ${msg.type}`);
        break;
    }
    host.stats.handled++;
    host.handled(msg.type, from, pkt.nodeId);
  }

  private handlePing(pkt: DecodedPacket, tcpPort: number, from: UdpAddress, fromIp: Uint8Array, idHex: string): void {
    const host = this.host;
    // The Pong goes to the observed source and reports it, whatever the Ping's `from` says.
    host.sendTo(
      { type: PacketType.Pong, to: { ip: fromIp, udpPort: from.port, tcpPort }, replyToken: pkt.hash, expiration: host.expiration(), enrSeq: host.enr().seq },
      from,
    );
    const node = makeNode(pkt.publicKey, from.ip, from.port, tcpPort);
    host.db.updateLastPingReceived(idHex, from.ip, host.now());
    host.bonding.pingReceived(idHex, from.ip);
    if (host.bonding.hasProof(idHex, from.ip)) {
      this.addInbound(node);
      return;
    }
    // Endpoint proof the other way: ping back now; the node enters the table once it answers.
    host.ping(node).then(
      () => this.addInbound(node),
      () => undefined,
    );
  }

  private addInbound(node: DiscNode): void {
    if (!this.host.isOpen()) return;
    this.host.table.add(node, true);
    this.host.db.updateNode(this.host.table.get(node.idHex)?.node ?? node);
  }

  private handleFindNode(target: Uint8Array, to: UdpAddress, toIp: Uint8Array): void {
    const closest = this.host.table.closest(keccak256(target), BUCKET_SIZE, true).filter((n) => {
      const ip = parseIp(n.ip);
      return ip !== undefined && relayIpError(toIp, ip) === undefined;
    });
    const nodes: NeighborNode[] = closest.map((n) => ({ ip: parseIp(n.ip)!, udpPort: n.udpPort, tcpPort: n.tcpPort, publicKey: n.publicKey }));
    for (const m of splitNeighbors(nodes, this.host.expiration())) this.host.sendTo(m, to);
  }

  private drop(reason: DropReason, from: UdpAddress, detail: string): void {
    const dropped = this.host.stats.dropped;
    dropped[reason] = (dropped[reason] ?? 0) + 1;
    this.host.dropped(reason, from, detail);
  }
}
