/**
 * A discovered node (identity + endpoint + optional ENR) and Kademlia distance helpers
 * (geth `p2p/enode/node.go`: LogDist, DistCmp).
 */
import { bytesToHex, hexToBytes } from '../common/bytes.js';
import { keccak256 } from '../crypto/keccak.js';
import type { Enr } from '../enode/enr.js';
import { formatEnode, parseEnode } from '../enode/enode-url.js';
import { formatIp, normalizeIp } from '../common/netutil.js';

/** A node as discovery knows it. Immutable: updates create a new object. */
export interface DiscNode {
  /** keccak256(publicKey): the Kademlia ID (32 bytes). */
  readonly id: Uint8Array;
  /** Hex of {@link id}: the key of every map. */
  readonly idHex: string;
  /** 64-byte secp256k1 public key (x || y). */
  readonly publicKey: Uint8Array;
  /** IP literal (normalised: IPv4 dotted, IPv6 compressed). */
  readonly ip: string;
  readonly udpPort: number;
  /** 0 if the node does not accept RLPx connections. */
  readonly tcpPort: number;
  /** The latest node record we hold, if any. */
  readonly enr?: Enr;
}

/** Builds a node from its key and endpoint. */
export function makeNode(publicKey: Uint8Array, ip: string, udpPort: number, tcpPort: number, enr?: Enr): DiscNode {
  const id = keccak256(publicKey);
  const n: DiscNode = { id, idHex: bytesToHex(id), publicKey, ip: normalizeIp(ip), udpPort, tcpPort, ...(enr ? { enr } : {}) };
  return n;
}

/** Same node with an ENR attached (endpoint unchanged). */
export function withEnr(n: DiscNode, enr: Enr): DiscNode {
  return { ...n, enr };
}

/** A node from an enode URL. Throws EnodeUrlError. */
export function nodeFromEnode(url: string): DiscNode {
  const e = parseEnode(url);
  return makeNode(e.publicKey, e.ip, e.udpPort, e.tcpPort);
}

/**
 * A node from a record with an IPv4 (`ip`, `udp`) or else IPv6 (`ip6`, `udp6`, falling back
 * to `udp` as EIP-778 says) endpoint; undefined if it has neither or a malformed one.
 */
export function nodeFromEnr(enr: Enr): DiscNode | undefined {
  try {
    const ip = enr.ip();
    const udp = enr.udp();
    if (ip && udp !== undefined) return makeNode(enr.publicKey, formatIp(ip), udp, enr.tcp() ?? 0, enr);
    const ip6 = enr.ip6();
    const udp6 = enr.udp6() ?? udp;
    if (ip6 && udp6 !== undefined) return makeNode(enr.publicKey, formatIp(ip6), udp6, enr.tcp6() ?? enr.tcp() ?? 0, enr);
  } catch {
    // a malformed entry: no usable endpoint
  }
  return undefined;
}

/** The node's enode URL. */
export function nodeToEnode(n: DiscNode): string {
  return formatEnode({ publicKey: n.publicKey, ip: n.ip, tcpPort: n.tcpPort, udpPort: n.udpPort });
}

/** "ip:port" of the UDP endpoint, for logs and map keys. */
export function udpAddrString(n: { ip: string; udpPort: number }): string {
  return n.ip.includes(':') ? `[${n.ip}]:${n.udpPort}` : `${n.ip}:${n.udpPort}`;
}

/**
 * The key of a (node ID, IP) pair: endpoint proofs, failure counts and pending replies are all
 * kept per node ID at one IP (geth keys its node database the same way).
 */
export function endpointKey(idHex: string, ip: string): string {
  return `${idHex}@${ip}`;
}

/** Parses a 64-hex node ID. */
export function nodeIdFromHex(hex: string): Uint8Array {
  const b = hexToBytes(hex);
  if (b.length !== 32) throw new RangeError('node ID must be 32 bytes');
  return b;
}

/** Number of leading zero bits per byte value. */
const CLZ8 = Uint8Array.from({ length: 256 }, (_, v) => (v === 0 ? 8 : Math.clz32(v) - 24));

/** log2 distance: 256 - number of leading zero bits of a XOR b (0 when equal). geth LogDist. */
export function logDistance(a: Uint8Array, b: Uint8Array): number {
  let lz = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! ^ b[i]!;
    if (x === 0) lz += 8;
    else {
      lz += CLZ8[x]!;
      break;
    }
  }
  return a.length * 8 - lz;
}

/** Compares distances of a and b to target: < 0 if a is closer, 0 if equal, > 0 if b is closer. */
export function compareDistance(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < target.length; i++) {
    const da = a[i]! ^ target[i]!;
    const db = b[i]! ^ target[i]!;
    if (da !== db) return da - db;
  }
  return 0;
}

/**
 * A list of at most `limit` nodes kept sorted by distance to `target` (geth nodesByDistance).
 * Pushing a node that is not closer than the furthest of a full list does nothing.
 */
export class NodesByDistance {
  readonly entries: DiscNode[] = [];

  constructor(
    readonly target: Uint8Array,
    readonly limit: number,
  ) {}

  /** Inserts `n` in order; returns true if it was kept. Duplicates (same ID) are ignored. */
  push(n: DiscNode): boolean {
    const e = this.entries;
    let lo = 0;
    let hi = e.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareDistance(this.target, e[mid]!.id, n.id) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo < e.length && e[lo]!.idHex === n.idHex) return false;
    if (lo >= this.limit) return false;
    e.splice(lo, 0, n);
    if (e.length > this.limit) e.pop();
    return true;
  }
}
