/**
 * What a discv4 node is configured with. Every default is geth's unless its field says
 * otherwise, and is a named constant next to the part it bounds: {@link RESP_TIMEOUT_MS} here,
 * BOND_EXPIRATION_MS in bonding.ts, the revalidation and refresh intervals in upkeep.ts, the
 * per-IP limits in ratelimit.ts.
 */
import type { Cidr } from '../common/netutil.js';
import type { EnrBuilder } from '../enode/enr.js';
import type { DiscNode } from './node.js';
import type { NodeDb } from './nodedb.js';
import type { PacketSigner } from './packets.js';
import type { RateLimitConfig } from './ratelimit.js';
import type { DatagramTransport } from './udp.js';

/** How long we wait for a reply (geth respTimeout). */
export const RESP_TIMEOUT_MS = 500;

export interface Discv4Config {
  privateKey: Uint8Array;
  transport: DatagramTransport;
  /** IP advertised in Ping `from` and our ENR; default the bound address (omitted from the ENR if unspecified). */
  externalIp?: string;
  /** RLPx port advertised; default the UDP port. */
  tcpPort?: number;
  /** Nodes added to the table at every refresh. */
  bootnodes?: readonly DiscNode[];
  /** Endpoint proofs and seeds; default in memory. The node closes it. */
  db?: NodeDb;
  /** Only nodes in these networks are accepted from Neighbors or into the table. */
  netrestrict?: readonly Cidr[];
  /** ENR sequence number of our first record; default the current Unix time in ms (grows across restarts). */
  enrSeq?: bigint;
  /** Extra ENR entries (e.g. `eth`). */
  enrEntries?: (b: EnrBuilder) => void;
  respTimeoutMs?: number;
  bondExpirationMs?: number;
  /** 0 disables revalidation. */
  revalidateIntervalMs?: number;
  /** 0 disables the periodic refresh (an explicit `Discv4.refresh` still works). */
  refreshIntervalMs?: number;
  /** Refresh period while the table holds fewer than 16 nodes (default SPARSE_REFRESH_INTERVAL_MS). */
  sparseRefreshIntervalMs?: number;
  /** Per-IP inbound limits; false disables them (benchmarks). */
  rateLimit?: RateLimitConfig | false;
  /** Clock in ms (tests). */
  now?: () => number;
  /** Packet signatures; default secp256k1. Only simulations replace it (see simulation.ts). */
  signer?: PacketSigner;
}
