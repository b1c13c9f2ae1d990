/**
 * Runs checks one after another (a node under test sees one tester connection at a time, as
 * with geth's suites), each under its own deadline and AbortSignal, and reports each result as
 * soon as it is known.
 */
import { CheckSkipped, CheckTimeoutError, type Check, type CheckContext, type CheckResult } from './check.js';

/** Default time one check may take (it includes several network round trips). */
export const DEFAULT_CHECK_TIMEOUT_MS = 30_000;
/** Bound on the cleanups of one check after it ended (closing sockets must not hang the run). */
export const CLEANUP_TIMEOUT_MS = 5_000;

export interface RunOptions {
  /** Only checks whose name matches run (geth's `-run`); the others are not reported. */
  filter?: RegExp;
  /** Per-check deadline unless the check sets its own; default {@link DEFAULT_CHECK_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Cancels the run: the current check is aborted and the rest are reported as skipped. */
  signal?: AbortSignal;
  /** Called before the first check with the number that will run (a TAP plan needs it first). */
  onStart?(total: number): void;
  /** Called with each result as it is known. */
  onResult?(result: CheckResult): void;
}

/** The checks `filter` selects, in order. */
export function selectChecks<E>(checks: readonly Check<E>[], filter?: RegExp): Check<E>[] {
  return filter ? checks.filter((c) => filter.test(c.name)) : [...checks];
}

/** Runs the selected checks against `env`; resolves with every result, in order. */
export async function runChecks<E>(checks: readonly Check<E>[], env: E, opts: RunOptions = {}): Promise<CheckResult[]> {
  const selected = selectChecks(checks, opts.filter);
  opts.onStart?.(selected.length);
  const results: CheckResult[] = [];
  for (const [i, check] of selected.entries()) {
    const result = opts.signal?.aborted
      ? { index: i + 1, name: check.name, rule: check.rule, status: 'skip' as const, reason: 'run cancelled', notes: [], durationMs: 0 }
      : await runOne(check, env, i + 1, check.timeoutMs ?? opts.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS, opts.signal);
    results.push(result);
    opts.onResult?.(result);
  }
  return results;
}

/** Runs one check with its deadline; never rejects. */
export async function runOne<E>(check: Check<E>, env: E, index: number, timeoutMs: number, outer?: AbortSignal): Promise<CheckResult> {
  const started = performance.now();
  const notes: string[] = [];
  const cleanups: (() => unknown)[] = [];
  const ac = new AbortController();
  const onOuterAbort = () => ac.abort(outer?.reason instanceof Error ? outer.reason : new Error('run cancelled'));
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const timer = setTimeout(() => ac.abort(new CheckTimeoutError(timeoutMs)), timeoutMs);
  const t: CheckContext = {
    signal: ac.signal,
    note: (text) => notes.push(text),
    skip: (reason) => {
      throw new CheckSkipped(reason);
    },
    defer: (fn) => cleanups.push(fn),
  };
  let status: CheckResult['status'] = 'pass';
  let reason: string | undefined;
  try {
    await raceAbort(check.run(env, t), ac.signal);
  } catch (err) {
    if (err instanceof CheckSkipped) {
      status = 'skip';
      reason = err.reason;
    } else {
      status = 'fail';
      // A check that ran out of time reports the deadline, whatever the abort made it throw.
      const cause = ac.signal.aborted && ac.signal.reason instanceof Error ? ac.signal.reason : err;
      reason = cause instanceof Error ? cause.message : String(cause);
    }
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
    if (!ac.signal.aborted) ac.abort(new Error('check finished'));
    await runCleanups(cleanups);
  }
  return { index, name: check.name, rule: check.rule, status, ...(reason === undefined ? {} : { reason }), notes, durationMs: Math.round(performance.now() - started) };
}

/** Settles with `p`, or rejects with the signal's reason as soon as it aborts. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  // The check keeps running in the background after an abort; its own waits see the signal.
  p.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Runs cleanups last-first, each bounded; a failing cleanup does not stop the others. */
async function runCleanups(cleanups: (() => unknown)[]): Promise<void> {
  for (const fn of cleanups.reverse()) {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([Promise.resolve().then(fn), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLEANUP_TIMEOUT_MS)))]);
    } catch {
      // Cleanup is best effort: the resource is gone or going.
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Counts of a run. */
export interface RunSummary {
  total: number;
  pass: number;
  fail: number;
  skip: number;
}

export function summarize(results: readonly CheckResult[]): RunSummary {
  const s = { total: results.length, pass: 0, fail: 0, skip: 0 };
  for (const r of results) s[r.status]++;
  return s;
}
