/** A set of keys that expire after a fixed time: dial history, inbound throttle, bans. */
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
