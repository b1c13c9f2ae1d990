/**
 * The conformance check framework: a check is a named, bounded async function that tests one
 * rule of a spec against a remote node and ends as pass, fail or skip. A check fails by
 * throwing (usually {@link CheckFailure} through {@link ensure}); it skips with `t.skip()`.
 * Everything a check opens it hands to `t.defer()`, so the runner can close it even when the
 * check times out.
 */

/** How a check ended. */
export type CheckStatus = 'pass' | 'fail' | 'skip';

/** The outcome of one check. */
export interface CheckResult {
  /** Position in the run, from 1 (the TAP test number). */
  index: number;
  /** Full name, e.g. `eth/69/Status`; what `--run` matches. */
  name: string;
  /** The spec rule the check tests (where it is written and what it says). */
  rule: string;
  status: CheckStatus;
  /** Why it failed or was skipped. */
  reason?: string;
  /** Observations worth recording even on a pass (e.g. which Disconnect reason the node used). */
  notes: string[];
  durationMs: number;
}

/** What a running check can use. */
export interface CheckContext {
  /** Aborted when the check's time is up (or the whole run is cancelled). */
  readonly signal: AbortSignal;
  /** Records an observation in the result. */
  note(text: string): void;
  /** Ends the check as skipped. */
  skip(reason: string): never;
  /** Registers a cleanup, run (last first) when the check ends however it ends. */
  defer(cleanup: () => unknown): void;
}

/** One check. `E` is the environment the suite provides (target node, options). */
export interface Check<E> {
  name: string;
  /** The rule tested: spec document and section, and the rule in a sentence. */
  rule: string;
  /** Overrides the run's per-check timeout. */
  timeoutMs?: number;
  run(env: E, t: CheckContext): Promise<void>;
}

/** A check's assertion did not hold: `message` is the reason shown in the report. */
export class CheckFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailure';
  }
}

/** Thrown by `t.skip()`. */
export class CheckSkipped extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'CheckSkipped';
  }
}

/** A check ran past its deadline. */
export class CheckTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`check did not finish within ${ms} ms`);
    this.name = 'CheckTimeoutError';
  }
}

/** Fails the check with `reason` unless `cond` holds. */
export function ensure(cond: unknown, reason: string | (() => string)): asserts cond {
  if (!cond) throw new CheckFailure(typeof reason === 'string' ? reason : reason());
}

/** Fails the check with `reason`. */
export function fail(reason: string): never {
  throw new CheckFailure(reason);
}
