/** IP helpers: LAN detection and CIDR lists (as geth's p2p/netutil), for limits and netrestrict. */
import { BlockList, isIP } from 'node:net';

/** Raised for a malformed CIDR in a netrestrict list. */
export class CidrError extends Error {
  constructor(readonly cidr: string) {
    super(`invalid CIDR "${cidr}" (expected e.g. 10.0.0.0/8 or fd00::/8)`);
    this.name = 'CidrError';
  }
}

/** Normalises IPv4-mapped IPv6 (::ffff:1.2.3.4), as accepted sockets report them. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

const lan = new BlockList();
for (const [net, bits] of [['127.0.0.0', 8], ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['169.254.0.0', 16], ['100.64.0.0', 10]] as const) {
  lan.addSubnet(net, bits, 'ipv4');
}
lan.addAddress('::1', 'ipv6');
lan.addSubnet('fc00::', 7, 'ipv6');
lan.addSubnet('fe80::', 10, 'ipv6');

/** True for loopback, private and link-local addresses (exempt from per-IP limits, as in geth). */
export function isLanIp(ip: string): boolean {
  const a = normalizeIp(ip);
  const fam = isIP(a);
  return fam !== 0 && lan.check(a, fam === 4 ? 'ipv4' : 'ipv6');
}

/** A list of CIDR ranges; `contains` answers whether an IP falls in any of them. */
export class NetList {
  private readonly list = new BlockList();
  readonly cidrs: readonly string[];

  constructor(cidrs: readonly string[]) {
    this.cidrs = cidrs;
    for (const c of cidrs) {
      const [net, bitsStr] = c.split('/');
      const fam = isIP(net ?? '');
      const bits = Number(bitsStr);
      if (!fam || !/^\d+$/.test(bitsStr ?? '') || bits > (fam === 4 ? 32 : 128)) throw new CidrError(c);
      this.list.addSubnet(net!, bits, fam === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /** Parses a comma-separated list as geth's --netrestrict takes it. */
  static parse(text: string): NetList {
    return new NetList(text.split(',').map((s) => s.trim()).filter(Boolean));
  }

  contains(ip: string): boolean {
    const a = normalizeIp(ip);
    const fam = isIP(a);
    return fam !== 0 && this.list.check(a, fam === 4 ? 'ipv4' : 'ipv6');
  }
}

/** A set of keys that expire after a fixed time (dial history, inbound throttle). */
export class ExpiringSet {
  private readonly until = new Map<string, number>();

  constructor(private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  add(key: string): void {
    this.until.set(key, this.now() + this.ttlMs);
  }

  has(key: string): boolean {
    const t = this.until.get(key);
    if (t === undefined) return false;
    if (t <= this.now()) {
      this.until.delete(key);
      return false;
    }
    return true;
  }

  delete(key: string): void {
    this.until.delete(key);
  }

  /** Drops expired keys (called periodically so the set stays bounded by the rate of adds). */
  prune(): void {
    const now = this.now();
    for (const [k, t] of this.until) if (t <= now) this.until.delete(k);
  }

  get size(): number {
    return this.until.size;
  }
}
