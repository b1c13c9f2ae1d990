/**
 * discv4 endpoints `[ip, udp-port, tcp-port]` and neighbour records
 * `[ip, udp-port, tcp-port, public-key]`.
 */
import { asBytes, asList, asUint, type RlpInput, type RlpItem } from '../common/rlp.js';

/** Length of a node's public key on the wire (x || y). */
export const PUBLIC_KEY_SIZE = 64;
const IPV4_SIZE = 4;
const IPV6_SIZE = 16;
const MAX_PORT = 0xffff;

/** A network endpoint as ping/pong carry it. */
export interface Endpoint {
  /**
   * 4 bytes (IPv4), 16 bytes (IPv6) or empty (unknown: geth sends that when it has no IP).
   * Decoding accepts any length, as geth does, so one odd entry does not sink a whole
   * Neighbors packet; check with {@link ipFamily} before use.
   */
  ip: Uint8Array;
  /** UDP port for discovery. */
  udpPort: number;
  /** TCP port for RLPx (0 if the node does not listen). */
  tcpPort: number;
}

/** A node in a Neighbors reply. */
export interface NeighborNode extends Endpoint {
  /** 64-byte secp256k1 public key (x || y); keccak256 of it is the node ID. */
  publicKey: Uint8Array;
}

/** 4 for an IPv4 address, 6 for IPv6, undefined for any other length (empty included). */
export function ipFamily(ip: Uint8Array): 4 | 6 | undefined {
  return ip.length === IPV4_SIZE ? 4 : ip.length === IPV6_SIZE ? 6 : undefined;
}

function checkPort(field: string, port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > MAX_PORT) throw new RangeError(`${field}: port ${port} out of range`);
  return port;
}

function endpointFields(e: Endpoint, field: string): RlpInput[] {
  if (e.ip.length !== 0 && ipFamily(e.ip) === undefined) {
    throw new RangeError(`${field}: IP must be 4, 16 or 0 bytes, got ${e.ip.length}`);
  }
  return [e.ip, checkPort(`${field}.udpPort`, e.udpPort), checkPort(`${field}.tcpPort`, e.tcpPort)];
}

/** The RLP list of an endpoint. Throws RangeError for out-of-range values. */
export function encodeEndpoint(e: Endpoint, field = 'endpoint'): RlpInput {
  return endpointFields(e, field);
}

/** Reads an endpoint; extra list elements are ignored (EIP-8). */
export function decodeEndpoint(item: RlpItem | undefined, what: string, field: string): Endpoint {
  const l = asList(item, what, field, 3);
  return {
    ip: asBytes(l[0], what, `${field}.ip`),
    udpPort: asUint(l[1], what, `${field}.udpPort`, 2),
    tcpPort: asUint(l[2], what, `${field}.tcpPort`, 2),
  };
}

/** The RLP list of a neighbour record. Throws RangeError for out-of-range values. */
export function encodeNeighborNode(n: NeighborNode, field = 'node'): RlpInput {
  if (n.publicKey.length !== PUBLIC_KEY_SIZE) throw new RangeError(`${field}.publicKey: expected ${PUBLIC_KEY_SIZE} bytes`);
  return [...endpointFields(n, field), n.publicKey];
}

/** Reads a neighbour record; extra list elements are ignored (EIP-8). */
export function decodeNeighborNode(item: RlpItem | undefined, what: string, field: string): NeighborNode {
  const l = asList(item, what, field, 4);
  return {
    ...decodeEndpoint(l.slice(0, 3), what, field),
    publicKey: asBytes(l[3], what, `${field}.publicKey`, PUBLIC_KEY_SIZE),
  };
}
