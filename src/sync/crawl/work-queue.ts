/**
 * A FIFO of jobs run with bounded concurrency: the crawlers push nodes as discovery finds them
 * and at most `parallel` checks run at once. Each job is pushed once per key until it has run
 * (a key queued or running is not queued again). The worker handles its own failures: a
 * rejection is dropped so one bad job cannot stop the others.
 */

/** Runs `worker` on pushed items, at most `parallel` at a time. */
export class WorkQueue<T> {
  private readonly waiting: { key: string; item: T }[] = [];
  private readonly keys = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly parallel: number,
    private readonly worker: (item: T) => Promise<void>,
  ) {
    if (!(parallel >= 1)) throw new RangeError(`parallel must be >= 1, got ${parallel}`);
  }

  /** Jobs waiting plus jobs running. */
  get size(): number {
    return this.waiting.length + this.running.size;
  }

  /** Jobs running now. */
  get active(): number {
    return this.running.size;
  }

  /** True if `key` is waiting or running. */
  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Queues `item` under `key` unless that key is already waiting or running; returns whether it was queued. */
  push(key: string, item: T): boolean {
    if (this.closed || this.keys.has(key)) return false;
    this.keys.add(key);
    this.waiting.push({ key, item });
    this.pump();
    return true;
  }

  /** Drops waiting jobs and refuses new ones; running jobs finish (see {@link idle}). */
  close(): void {
    this.closed = true;
    for (const w of this.waiting) this.keys.delete(w.key);
    this.waiting.length = 0;
    this.notifyIfIdle();
  }

  /** Resolves once nothing is waiting or running. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running.size < this.parallel && this.waiting.length > 0) {
      const { key, item } = this.waiting.shift()!;
      const p: Promise<void> = this.worker(item)
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(p);
          this.keys.delete(key);
          this.pump();
          this.notifyIfIdle();
        });
      this.running.add(p);
    }
  }

  private notifyIfIdle(): void {
    if (this.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
