/**
 * discv4 endpoints `[ip, udp-port, tcp-port]` and neighbour records
 * `[ip, udp-port, tcp-port, public-key]`.
 */
import { encBytes, encList, encUint } from '../common/rlp-encode.js';
import type { RlpReader } from '../common/rlp-reader.js';

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

function endpointFields(e: Endpoint, field: string): Uint8Array[] {
  if (e.ip.length !== 0 && ipFamily(e.ip) === undefined) {
    throw new RangeError(`${field}: IP must be 4, 16 or 0 bytes, got ${e.ip.length}`);
  }
  return [encBytes(e.ip), encUint(checkPort(`${field}.udpPort`, e.udpPort)), encUint(checkPort(`${field}.tcpPort`, e.tcpPort))];
}

/** The RLP encoding of an endpoint. Throws RangeError for out-of-range values. */
export function encodeEndpoint(e: Endpoint, field = 'endpoint'): Uint8Array {
  return encList(endpointFields(e, field));
}

/** Reads the next element of `r`, named `name`, as an endpoint; extra list elements are ignored (EIP-8). */
export function readEndpoint(r: RlpReader, name: string | number): Endpoint {
  const l = r.list(name);
  l.atLeast(3);
  return readEndpointFields(l);
}

function readEndpointFields(l: RlpReader): Endpoint {
  return { ip: l.bytes('ip'), udpPort: Number(l.uint('udpPort', 2)), tcpPort: Number(l.uint('tcpPort', 2)) };
}

/** The RLP encoding of a neighbour record. Throws RangeError for out-of-range values. */
export function encodeNeighborNode(n: NeighborNode, field = 'node'): Uint8Array {
  if (n.publicKey.length !== PUBLIC_KEY_SIZE) throw new RangeError(`${field}.publicKey: expected ${PUBLIC_KEY_SIZE} bytes`);
  return encList([...endpointFields(n, field), encBytes(n.publicKey)]);
}

/** Reads the next element of `r`, named `name`, as a neighbour record; extra list elements are ignored (EIP-8). */
export function readNeighborNode(r: RlpReader, name: string | number): NeighborNode {
  const l = r.list(name);
  l.atLeast(4);
  return { ...readEndpointFields(l), publicKey: l.bytes('publicKey', PUBLIC_KEY_SIZE) };
}
