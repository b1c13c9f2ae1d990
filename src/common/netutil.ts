/**
 * IP address helpers, after geth's `p2p/netutil/net.go`: LAN/loopback tests, the relay check
 * applied to Neighbors entries, per-subnet counting (DistinctNetSet) and CIDR lists
 * (netrestrict). Shared by discovery and the server.
 *
 * Addresses are handled as their byte form (4 or 16 bytes); IPv4-mapped IPv6 (::ffff:a.b.c.d)
 * is folded to IPv4 so one host never counts twice.
 */
import { isIP } from 'node:net';

/** Parses an IP literal to 4 or 16 bytes (IPv4-mapped IPv6 becomes 4 bytes); undefined if invalid. */
export function parseIp(text: string): Uint8Array | undefined {
  const fam = isIP(text);
  if (fam === 4) return Uint8Array.from(text.split('.').map(Number));
  if (fam !== 6) return undefined;
  let s = text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  // Embedded dotted quad at the end (::ffff:1.2.3.4).
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tail = s.slice(lastColon + 1).split('.').map(Number);
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const [head, rest] = s.includes('::') ? s.split('::') as [string, string] : [s, undefined];
  const hs = head ? head.split(':') : [];
  const rs = rest ? rest.split(':') : [];
  const groups = rest === undefined ? hs : [...hs, ...Array<string>(8 - hs.length - rs.length).fill('0'), ...rs];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  if (tail.length === 4) out.set(tail, 12);
  return toIpv4IfMapped(out);
}

/** ::ffff:a.b.c.d -> a.b.c.d; other input unchanged. */
export function toIpv4IfMapped(ip: Uint8Array): Uint8Array {
  if (ip.length !== 16) return ip;
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return ip;
  if (ip[10] !== 0xff || ip[11] !== 0xff) return ip;
  return ip.slice(12);
}

/** The text form of a 4- or 16-byte address. */
export function formatIp(ip: Uint8Array): string {
  if (ip.length === 4) return ip.join('.');
  if (ip.length !== 16) return '';
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip[i]! << 8) | ip[i + 1]!);
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Normalises an IP literal (mapped IPv6 folded, IPv6 compressed); the input if invalid. */
export function normalizeIp(text: string): string {
  const b = parseIp(text);
  return b ? formatIp(b) : text;
}

/** A CIDR block, e.g. 10.0.0.0/8. */
export interface Cidr {
  ip: Uint8Array;
  bits: number;
}

/** Parses "a.b.c.d/n" or "x::/n". Throws RangeError if malformed. */
export function parseCidr(text: string): Cidr {
  const [addr, bitsText] = text.trim().split('/');
  const ip = addr === undefined ? undefined : parseIp(addr);
  const bits = Number(bitsText);
  if (!ip || bitsText === undefined || !/^\d+$/.test(bitsText) || bits > ip.length * 8) {
    throw new RangeError(`invalid CIDR "${text}"`);
  }
  return { ip, bits };
}

/** Parses a comma-separated CIDR list (geth's --netrestrict form). */
export function parseCidrList(text: string): Cidr[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(parseCidr);
}

/** True if `ip` lies in `net`. */
export function cidrContains(net: Cidr, ip: Uint8Array): boolean {
  if (net.ip.length !== ip.length) return false;
  let bits = net.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((net.ip[i]! & mask) !== (ip[i]! & mask)) return false;
  }
  return true;
}

const LAN_NETS = ['0.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fe80::/10', 'fc00::/7'].map(parseCidr);
const SPECIAL_NETS = [
  '0.0.0.0/8',
  '192.0.0.0/29',
  '192.0.0.9/32',
  '192.0.0.170/32',
  '192.0.0.171/32',
  '192.0.2.0/24',
  '192.31.196.0/24',
  '192.52.193.0/24',
  '192.88.99.0/24',
  '192.175.48.0/24',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '255.255.255.255/32',
  '100::/64',
  '2001::/32',
  '2001:1::1/128',
  '2001:2::/48',
  '2001:3::/32',
  '2001:4:112::/48',
  '2001:5::/32',
  '2001:10::/28',
  '2001:20::/28',
  '2001:db8::/32',
  '2002::/16',
].map(parseCidr);

/** True for 127.0.0.0/8 and ::1. */
export function isLoopback(ip: Uint8Array): boolean {
  if (ip.length === 4) return ip[0] === 127;
  return ip.length === 16 && ip.subarray(0, 15).every((b) => b === 0) && ip[15] === 1;
}

/** True for loopback and private (RFC 1918, link-local, ULA) addresses, as geth's IsLAN. */
export function isLan(ip: Uint8Array): boolean {
  return isLoopback(ip) || LAN_NETS.some((n) => cidrContains(n, ip));
}

/** True for documentation/reserved ranges that should never be relayed (geth's IsSpecialNetwork). */
export function isSpecial(ip: Uint8Array): boolean {
  if (ip.length === 4 && ip[0]! >= 224) return true; // multicast and reserved
  if (ip.length === 16 && ip[0] === 0xff) return true;
  return SPECIAL_NETS.some((n) => cidrContains(n, ip));
}

/** True if every byte is zero (0.0.0.0, ::). */
export function isUnspecified(ip: Uint8Array): boolean {
  return ip.every((b) => b === 0);
}

/**
 * geth's CheckRelayIP: may a node at `addr`, received from `sender`, be used (or relayed to
 * `sender`)? Returns the reason it may not, or undefined if it may.
 */
export function relayIpError(sender: Uint8Array, addr: Uint8Array): string | undefined {
  if (addr.length !== 4 && addr.length !== 16) return 'invalid IP';
  if (isUnspecified(addr)) return 'zero address';
  if (isSpecial(addr)) return 'special network';
  if (isLoopback(addr) && !isLoopback(sender)) return 'loopback address from non-loopback host';
  if (isLan(addr) && !isLan(sender)) return 'LAN address from WAN host';
  return undefined;
}

/**
 * Counts addresses per subnet with a limit (geth's DistinctNetSet). `add` fails when the
 * subnet is full; `remove` frees a slot.
 */
export class DistinctNetSet {
  private readonly counts = new Map<string, number>();

  constructor(
    /** Prefix length of the subnet counted (24 for /24). */
    readonly subnetBits: number,
    /** Most addresses per subnet. */
    readonly limit: number,
  ) {}

  private key(ip: Uint8Array): string {
    const bits = ip.length === 4 ? this.subnetBits : Math.min(128, this.subnetBits + 96);
    const bytes = Math.ceil(bits / 8);
    const k = Array.from(ip.subarray(0, bytes));
    if (bits % 8 !== 0) k[bytes - 1]! &= (0xff << (8 - (bits % 8))) & 0xff;
    return `${ip.length}:${k.join('.')}`;
  }

  /** Adds `ip` if its subnet has room; returns false (and changes nothing) otherwise. */
  add(ip: Uint8Array): boolean {
    const k = this.key(ip);
    const n = this.counts.get(k) ?? 0;
    if (n >= this.limit) return false;
    this.counts.set(k, n + 1);
    return true;
  }

  /** Frees one slot of `ip`'s subnet. */
  remove(ip: Uint8Array): void {
    const k = this.key(ip);
    const n = this.counts.get(k) ?? 0;
    if (n <= 1) this.counts.delete(k);
    else this.counts.set(k, n - 1);
  }

  /** True if `ip`'s subnet has room. */
  contains(ip: Uint8Array): boolean {
    return (this.counts.get(this.key(ip)) ?? 0) > 0;
  }

  /** Number of addresses counted in `ip`'s subnet. */
  count(ip: Uint8Array): number {
    return this.counts.get(this.key(ip)) ?? 0;
  }
}

/** True for loopback and LAN addresses given as text (false for anything unparsable). */
export function isLanIp(text: string): boolean {
  const b = parseIp(text);
  return b !== undefined && isLan(b);
}

/** A netrestrict list: which IPs (as text) lie in any of its CIDR blocks. */
export class NetList {
  readonly cidrs: readonly Cidr[];

  /** Throws RangeError for a malformed block. */
  constructor(blocks: readonly string[]) {
    this.cidrs = blocks.map(parseCidr);
  }

  /** Parses geth's comma-separated --netrestrict form. */
  static parse(text: string): NetList {
    return new NetList(text.split(',').map((s) => s.trim()).filter(Boolean));
  }

  contains(ip: string | Uint8Array): boolean {
    const b = typeof ip === 'string' ? parseIp(ip) : toIpv4IfMapped(ip);
    return b !== undefined && this.cidrs.some((c) => cidrContains(c, b));
  }
}
