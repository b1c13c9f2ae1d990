/**
 * What a discv5 node is configured with. Every default is geth's unless its field says
 * otherwise, and is a named constant next to the part it bounds: {@link RESP_TIMEOUT_MS} here,
 * the session and challenge bounds in session-cache.ts, the FINDNODE/NODES limits in
 * nodes-response.ts, the TALKREQ bound in talk.ts; revalidation and refresh reuse discv4's
 * upkeep intervals.
 */
import type { Cidr } from '../common/netutil.js';
import type { EnrBuilder } from '../enode/enr.js';
import type { DiscNode } from '../discv4/node.js';
import type { NodeDb } from '../discv4/nodedb.js';
import type { DatagramTransport } from '../discv4/udp.js';

/** How long a request waits for (each packet of) its response (geth V5RespTimeout). */
export const RESP_TIMEOUT_MS = 700;

/** Which nodes discovery keeps (table, lookup results); the pattern of geth's node filters. */
export type NodeFilter = (node: DiscNode) => boolean;

export interface Discv5Config {
  privateKey: Uint8Array;
  transport: DatagramTransport;
  /** IP in our record; default the bound address (omitted from the record if unspecified). */
  externalIp?: string;
  /** RLPx port in our record; default the UDP port. */
  tcpPort?: number;
  /** Nodes (with records) added to the table at every refresh. */
  bootnodes?: readonly DiscNode[];
  /** Seeds and record storage; default in memory. The node closes it. */
  db?: NodeDb;
  /** Only nodes in these networks are accepted from NODES or into the table. */
  netrestrict?: readonly Cidr[];
  /** Only nodes passing this predicate enter the table or lookup results (e.g. fork ID compatibility). */
  nodeFilter?: NodeFilter;
  /** ENR sequence number of our first record; default the current Unix time in ms. */
  enrSeq?: bigint;
  /** Extra ENR entries (e.g. `eth`). */
  enrEntries?: (b: EnrBuilder) => void;
  respTimeoutMs?: number;
  /** 0 disables revalidation. */
  revalidateIntervalMs?: number;
  /** 0 disables the periodic refresh. */
  refreshIntervalMs?: number;
  sparseRefreshIntervalMs?: number;
  /**
   * Answer FINDNODE with table nodes that have not yet passed a liveness check too (geth
   * Config.NoFindnodeLivenessCheck; for simulations whose nodes do not revalidate). Default false.
   */
  noFindnodeLivenessCheck?: boolean;
  /** Sessions kept (default SESSION_CACHE_SIZE). */
  sessionCacheSize?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}
