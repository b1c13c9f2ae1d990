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

/**
 * What every abort in the stack rejects with: `name` is `'AbortError'` (as Node's and the DOM's
 * aborts), `code` is `'ABORT_ERR'`, and `cause` is the signal's reason, so a caller can tell its
 * own abort (the reason it passed) from anything else.
 */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(reason: unknown, message = 'The operation was aborted') {
    super(message, { cause: reason });
    this.name = 'AbortError';
  }
}

/** The AbortError for `signal` (which has aborted): its cause is `signal.reason`. */
export function abortError(signal: AbortSignal, message?: string): AbortError {
  return new AbortError(signal.reason, message);
}

/** Throws {@link abortError} if `signal` has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, message?: string): void {
  if (signal?.aborted) throw abortError(signal, message);
}

/**
 * Calls `onAbort` once when `signal` aborts (at once if it already has); returns the function
 * that detaches it. Every wait that is cut short by a signal uses this, so none forgets to
 * remove its listener.
 */
export function onAbort(signal: AbortSignal | undefined, fn: (err: AbortError) => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    fn(abortError(signal));
    return () => {};
  }
  const listener = (): void => fn(abortError(signal));
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
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
 * Settles as `p`, or rejects with an {@link AbortError} (cause: the signal's reason) as soon as
 * `signal` aborts (or at once if it already has). `p` itself is not cancelled.
 */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const detach = onAbort(signal, reject);
    p.then(
      (v) => {
        detach();
        resolve(v);
      },
      (e: unknown) => {
        detach();
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
