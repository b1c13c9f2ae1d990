/**
 * A token bucket, as golang.org/x/time/rate's Limiter that geth's DNS client waits on: `rate`
 * tokens per second, at most `burst` saved up. Each waiter reserves a token at once (the count
 * may go negative), so waiters are served in order, each `1/rate` s after the previous one.
 */
import { delay } from './wait.js';
import { abortError, throwIfAborted } from '../common/abortable.js';

export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    /** Tokens per second; Infinity for no limit. */
    readonly rate: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(rate > 0)) throw new RangeError(`rate must be positive, got ${rate}`);
    if (!(burst >= 1)) throw new RangeError(`burst must be at least 1, got ${burst}`);
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token, waiting for it if none is saved; rejects (returning the token) if `signal` aborts. */
  async wait(signal: AbortSignal): Promise<void> {
    if (this.rate === Infinity) {
      throwIfAborted(signal);
      return;
    }
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    this.tokens -= 1;
    if (this.tokens >= 0) {
      if (signal.aborted) {
        this.tokens += 1;
        throw abortError(signal);
      }
      return;
    }
    try {
      await delay((-this.tokens / this.rate) * 1000, signal);
    } catch (err) {
      this.tokens += 1;
      throw err;
    }
  }
}
