/**
 * The interop report: every check against a reference node is recorded (node, check,
 * passed/failed/skipped, reason) as one JSON line in `interop-report.jsonl`; the global teardown
 * (report-setup.ts) turns the lines into `interop-report.json` and prints a table. Tests call
 * {@link check} so that the assertion and the record are one thing.
 */
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPORT_LINES = fileURLToPath(new URL('../../interop-report.jsonl', import.meta.url));
export const REPORT_JSON = fileURLToPath(new URL('../../interop-report.json', import.meta.url));

export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface CheckRecord {
  /** The reference node, e.g. "geth v1.17.0". */
  node: string;
  check: string;
  status: CheckStatus;
  /** Why it failed or was skipped. */
  reason?: string;
  ms: number;
}

export function record(r: CheckRecord): void {
  appendFileSync(REPORT_LINES, JSON.stringify(r) + '\n');
}

/** Runs `fn` as the check `name` against `node`, records the outcome, and rethrows a failure. */
export async function check<T>(node: string, name: string, fn: () => Promise<T> | T): Promise<T> {
  const t0 = Date.now();
  try {
    const v = await fn();
    record({ node, check: name, status: 'passed', ms: Date.now() - t0 });
    return v;
  } catch (err) {
    record({ node, check: name, status: 'failed', reason: String((err as Error).message ?? err).split('\n').slice(0, 6).join(' ').slice(0, 500), ms: Date.now() - t0 });
    throw err;
  }
}

/** Records a check that is not run, with the reason. */
export function skipped(node: string, name: string, reason: string): void {
  record({ node, check: name, status: 'skipped', reason, ms: 0 });
}
