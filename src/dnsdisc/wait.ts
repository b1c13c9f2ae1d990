/** Waits bound to an AbortSignal: every timer cleared and every listener removed when it ends. */
import { abortable, abortError, onAbort } from '../common/abortable.js';

/**
 * Resolves after `ms`; rejects with an AbortError (cause: the signal's reason) when it aborts
 * first. Built on the global `setTimeout` (not `timers/promises`), so a test's fake clock drives it.
 */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const t = setTimeout(() => {
      detach();
      resolve();
    }, ms);
    const detach = onAbort(signal, (err) => {
      clearTimeout(t);
      reject(err);
    });
  });
}

/** `p`, or an AbortError (cause: the signal's reason) if it aborts first (`p` is left to settle). */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  // `p` may be shared (one lookup for several callers): its rejection is the callers' to see,
  // never an unhandled one when the caller has gone.
  p.catch(() => undefined);
  return abortable(p, signal);
}
