/** Human-readable output: one line per check as it finishes, then the counts. */
import type { CheckResult } from '../check.js';
import { summarize } from '../runner.js';

const LABEL = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

/** One line per result; failures and skips carry their reason, notes follow indented. */
export function tableLine(r: CheckResult, nameWidth = 44): string {
  const tail = r.reason === undefined ? '' : `  ${r.reason}`;
  const lines = [`${LABEL[r.status]}  ${r.name.padEnd(nameWidth)} ${String(r.durationMs).padStart(6)} ms${tail}`];
  for (const n of r.notes) lines.push(`      note: ${n}`);
  return lines.join('\n') + '\n';
}

/** The closing line. */
export function tableSummary(results: readonly CheckResult[]): string {
  const s = summarize(results);
  return `${s.total} checks: ${s.pass} passed, ${s.fail} failed, ${s.skip} skipped\n`;
}

/** A whole run as a table. */
export function formatTable(results: readonly CheckResult[]): string {
  const width = Math.max(20, ...results.map((r) => r.name.length));
  return results.map((r) => tableLine(r, width)).join('') + tableSummary(results);
}
