/**
 * Neighbors packets both ways: splitting a FINDNODE answer over packets that fit the datagram
 * limit, and choosing which entries of a received one we are willing to use.
 */
import { equalBytes } from '../common/bytes.js';
import { type Cidr, cidrContains, formatIp, relayIpError, toIpv4IfMapped } from '../common/netutil.js';
import { validatePublicKey } from '../crypto/secp256k1.js';
import { ipFamily, type NeighborNode } from './endpoint.js';
import { PacketType, type Neighbors } from './messages.js';
import { type DiscNode, makeNode } from './node.js';

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

/**
 * A Neighbors entry we are willing to use, or undefined (geth nodeFromRPC): a UDP port above
 * 1024, an IPv4 or IPv6 address that `senderIp` may relay (no LAN or loopback address from a
 * public sender), inside `netrestrict` if set, a valid public key, and not ourselves.
 */
export function nodeFromNeighbor(senderIp: Uint8Array, rn: NeighborNode, self: { selfId: Uint8Array; netrestrict?: readonly Cidr[] | undefined }): DiscNode | undefined {
  if (rn.udpPort <= 1024) return undefined;
  if (ipFamily(rn.ip) === undefined) return undefined;
  const ip = toIpv4IfMapped(rn.ip);
  if (relayIpError(senderIp, ip) !== undefined) return undefined;
  const nr = self.netrestrict;
  if (nr && !nr.some((c) => cidrContains(c, ip))) return undefined;
  try {
    validatePublicKey(rn.publicKey);
  } catch {
    return undefined;
  }
  const n = makeNode(rn.publicKey, formatIp(ip), rn.udpPort, rn.tcpPort);
  return equalBytes(n.id, self.selfId) ? undefined : n;
}
