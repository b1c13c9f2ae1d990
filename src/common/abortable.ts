/**
 * Waits bound to an AbortSignal, shared by every layer. Each one removes its abort listener and
 * clears its timer when it ends, either way.
 */
import { setTimeout as timerPromise } from 'node:timers/promises';

/**
 * Resolves after `ms`. If `signal` aborts first (or already has), the timer is cleared and the
 * promise rejects with an error whose `name` is `'AbortError'` and whose `cause` is the
 * signal's reason (Node's `timers/promises` convention, which this is built on).
 */
export function sleep(ms: number, opts: { signal?: AbortSignal | undefined } = {}): Promise<void> {
  return timerPromise(ms, undefined, opts.signal ? { signal: opts.signal } : undefined);
}

/** True for the rejection of an aborted wait ({@link sleep}): its `name` is `'AbortError'`. */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/**
 * For `.catch` after a wait that an abort merely cuts short (the caller checks its signal
 * next): swallows an AbortError, rethrows anything else.
 */
export function ignoreAbort(err: unknown): void {
  if (!isAbortError(err)) throw err;
}

/**
 * Settles as `p`, or rejects with the signal's reason as soon as `signal` aborts (or at once
 * if it already has). `p` itself is not cancelled.
 */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}

/** Resolves when `p` settles (either way) or `signal` aborts, whichever comes first. */
export function untilSettledOrAborted(p: Promise<unknown>, signal: AbortSignal): Promise<void> {
  return abortable(p, signal).then(
    () => undefined,
    () => undefined,
  );
}
