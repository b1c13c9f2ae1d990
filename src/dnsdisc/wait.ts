/** Waits bound to an AbortSignal (the shared ones of common/abortable, with dnsdisc's shapes). */
import { abortable, sleep } from '../common/abortable.js';

/** Resolves after `ms`; rejects with an AbortError (cause: the signal's reason) when it aborts first. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, { signal });
}

/** `p`, or an AbortError (cause: the signal's reason) if it aborts first (`p` is left to settle). */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  // `p` may be shared (one lookup for several callers): its rejection is the callers' to see,
  // never an unhandled one when the caller has gone.
  p.catch(() => undefined);
  return abortable(p, signal);
}
