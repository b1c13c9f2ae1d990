/**
 * Per-IP inbound packet limit: a token bucket per source address, checked before any
 * hashing or signature recovery so a flood costs us a Map lookup per datagram.
 *
 * Public addresses get reth's bound (60 packets per minute per IP, burst 60). LAN and
 * loopback sources get a separate, higher bound (default 6000/min) because test suites,
 * local devnets and simulations legitimately send many packets from one address (geth's
 * `devp2p discv4 test` runs 15 tests from 127.0.0.1 within a few seconds).
 *
 * The engine does not charge datagrams from an IP it has a request pending with (see
 * discv4.ts), so our own lookups and crawls are not cut off by busy peers' replies.
 */
import { isLan, parseIp } from '../common/netutil.js';

/** reth's per-IP ingress limit. */
export const DEFAULT_PACKETS_PER_MINUTE = 60;
/** Our bound for LAN/loopback sources. */
export const DEFAULT_LAN_PACKETS_PER_MINUTE = 6000;
/** Buckets tracked before idle ones are pruned. */
export const MAX_TRACKED_IPS = 10_000;

export interface RateLimitConfig {
  /** Packets per minute per public IP (also the burst size). */
  perMinute: number;
  /** Packets per minute per LAN/loopback IP (also the burst size). */
  lanPerMinute: number;
}

interface TokenBucket {
  tokens: number;
  last: number;
  capacity: number;
}

export class IpRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    readonly config: RateLimitConfig = { perMinute: DEFAULT_PACKETS_PER_MINUTE, lanPerMinute: DEFAULT_LAN_PACKETS_PER_MINUTE },
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `ip`; false if the bucket is empty (drop the packet). */
  allow(ip: string): boolean {
    const t = this.now();
    let b = this.buckets.get(ip);
    if (!b) {
      if (this.buckets.size >= MAX_TRACKED_IPS) this.prune(t);
      const bytes = parseIp(ip);
      const capacity = bytes && isLan(bytes) ? this.config.lanPerMinute : this.config.perMinute;
      b = { tokens: capacity, last: t, capacity };
      this.buckets.set(ip, b);
    } else {
      b.tokens = Math.min(b.capacity, b.tokens + ((t - b.last) * b.capacity) / 60_000);
      b.last = t;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Number of addresses tracked. */
  get size(): number {
    return this.buckets.size;
  }

  /** Drops buckets that would be full again (idle for a minute or more); if none, the oldest half. */
  private prune(t: number): void {
    for (const [ip, b] of this.buckets) if (t - b.last >= 60_000) this.buckets.delete(ip);
    if (this.buckets.size < MAX_TRACKED_IPS) return;
    let drop = this.buckets.size >> 1;
    for (const ip of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(ip);
    }
  }
}
