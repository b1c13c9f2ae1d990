/** Splitting a FINDNODE answer over Neighbors packets that fit the datagram limit. */
import type { NeighborNode } from './endpoint.js';
import { PacketType, type Neighbors } from './messages.js';

/**
 * Most nodes per Neighbors packet (geth v4wire.MaxNeighbors). The worst case, 12 IPv6 nodes
 * with 3-byte ports and an 8-byte expiration, encodes to 1205 bytes; 13 would be 1296, over
 * MAX_PACKET_SIZE (1280). The neighbors tests check both.
 */
export const MAX_NEIGHBORS = 12;

/**
 * Splits nodes into Neighbors messages of at most {@link MAX_NEIGHBORS} each, in order. Like
 * geth, an empty list still yields one (empty) message so the requester gets an answer.
 */
export function splitNeighbors(nodes: readonly NeighborNode[], expiration: bigint): Neighbors[] {
  const out: Neighbors[] = [];
  for (let i = 0; i < nodes.length || out.length === 0; i += MAX_NEIGHBORS) {
    out.push({ type: PacketType.Neighbors, nodes: nodes.slice(i, i + MAX_NEIGHBORS), expiration });
  }
  return out;
}
