/**
 * FINDNODE and NODES (geth v5_udp.go handleFindnode, collectTableNodes, packNodes,
 * waitForNodes, verifyResponseNode): which table nodes we return for a list of distances and
 * how they are split over NODES packets, and which records of a NODES answer we accept.
 */
import { cidrContains, type Cidr, parseIp, relayIpError } from '../common/netutil.js';
import type { Enr } from '../enode/enr.js';
import { type DiscNode, logDistance, nodeFromEnr } from '../discv4/node.js';
import type { Table } from '../discv4/table.js';
import { MAX_DISTANCE, MessageType, type Nodes } from './messages.js';

/** Most nodes returned for one FINDNODE (geth findnodeResultLimit). */
export const FINDNODE_RESULT_LIMIT = 16;
/** Record bytes per NODES packet before a new packet is started (geth packNodes sizeLimit). */
export const NODES_PACKET_SIZE_LIMIT = 1000;
/** NODES packets we wait for in one answer, whatever its `total` says (geth totalNodesResponseLimit). */
export const MAX_NODES_RESPONSES = 5;
/** Lowest UDP port accepted for a node in a NODES answer (geth errLowPort: ports <= 1024 are refused). */
export const MIN_NODE_UDP_PORT = 1025;

/**
 * The records to return for `distances` to a requester at `requesterIp`: our own record for
 * distance 0, else table nodes at exactly that distance that passed a liveness check, at most
 * {@link FINDNODE_RESULT_LIMIT}, without addresses the requester must not learn (relay rules).
 */
export function collectTableNodes(table: Table, self: Enr, requesterIp: Uint8Array, distances: readonly number[], limit = FINDNODE_RESULT_LIMIT, checkLive = true): Enr[] {
  const out: Enr[] = [];
  const done = new Set<number>();
  for (const d of distances) {
    if (done.has(d) || d > MAX_DISTANCE) continue;
    done.add(d);
    if (d === 0) {
      out.push(self);
    } else {
      for (const n of table.nodes()) {
        if (!n.enr || logDistance(table.selfId, n.id) !== d) continue;
        if (checkLive && (table.get(n.idHex)?.livenessChecks ?? 0) === 0) continue;
        const ip = parseIp(n.ip);
        if (!ip || relayIpError(requesterIp, ip)) continue;
        out.push(n.enr);
        if (out.length >= limit) return out;
      }
    }
    if (out.length >= limit) return out.slice(0, limit);
  }
  return out;
}

/** Splits records over NODES messages of at most {@link NODES_PACKET_SIZE_LIMIT} record bytes; one empty message if none. */
export function packNodes(reqId: Uint8Array, records: readonly Enr[]): Nodes[] {
  const out: Nodes[] = [];
  let current: Enr[] = [];
  let size = 0;
  for (const r of records) {
    if (current.length > 0 && size + r.raw.length > NODES_PACKET_SIZE_LIMIT) {
      out.push({ type: MessageType.Nodes, reqId, total: 0, records: current });
      current = [];
      size = 0;
    }
    current.push(r);
    size += r.raw.length;
  }
  if (current.length > 0 || out.length === 0) out.push({ type: MessageType.Nodes, reqId, total: 0, records: current });
  for (const m of out) m.total = out.length;
  return out;
}

/** What a NODES answer is checked against. */
export interface ResponseCheck {
  /** The node we asked and the IP it answered from. */
  from: DiscNode;
  fromIp: Uint8Array;
  /** The distances asked for (undefined: any). */
  distances?: readonly number[];
  netrestrict?: readonly Cidr[];
  /** IDs already accepted in this answer. */
  seen: Set<string>;
}

/** The node of a record in a NODES answer, or the reason it is refused. */
export function checkResponseNode(enr: Enr, c: ResponseCheck): DiscNode | string {
  const node = nodeFromEnr(enr);
  if (!node) return 'no usable endpoint';
  const ip = parseIp(node.ip)!;
  const relay = relayIpError(c.fromIp, ip);
  if (relay) return relay;
  if (c.netrestrict && !c.netrestrict.some((n) => cidrContains(n, ip))) return 'not contained in netrestrict list';
  if (node.udpPort < MIN_NODE_UDP_PORT) return 'low port';
  if (c.distances && !c.distances.includes(logDistance(c.from.id, node.id))) return 'does not match any requested distance';
  if (c.seen.has(node.idHex)) return 'duplicate record';
  c.seen.add(node.idHex);
  return node;
}

/** The three distances a lookup asks a node for: its distance to the target and the two around it (geth lookupDistances). */
export function lookupDistances(target: Uint8Array, dest: Uint8Array, count = 3): number[] {
  const td = logDistance(target, dest);
  const out = [td];
  for (let i = 1; out.length < count && i <= MAX_DISTANCE; i++) {
    if (td + i <= MAX_DISTANCE) out.push(td + i);
    if (td - i > 0 && out.length < count) out.push(td - i);
  }
  return out;
}
