/**
 * TAP version 13 output (what geth's `-tap` prints and hive reads): the plan line first,
 * then one `ok`/`not ok` line per check, failures with a YAML block, skips with `# SKIP`.
 */
import type { CheckResult } from '../check.js';
import { summarize } from '../runner.js';

/** The header and plan line; `total` is the number of checks that will run. */
export function tapHeader(total: number): string {
  return `TAP version 13\n1..${total}\n`;
}

/** Test names must not contain `#` (it starts a directive) or line breaks. */
function tapText(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/#/g, '\\#');
}

/** A YAML scalar: JSON strings are valid YAML and need no further escaping. */
function yaml(v: string | number): string {
  return typeof v === 'number' ? String(v) : JSON.stringify(v);
}

/** The lines of one result. */
export function tapResult(r: CheckResult): string {
  const name = tapText(r.name);
  if (r.status === 'skip') return `ok ${r.index} - ${name} # SKIP ${tapText(r.reason ?? '')}\n`;
  const head = `${r.status === 'pass' ? 'ok' : 'not ok'} ${r.index} - ${name}\n`;
  if (r.status === 'pass' && r.notes.length === 0) return head;
  const lines = ['  ---'];
  if (r.reason !== undefined) lines.push(`  message: ${yaml(r.reason)}`);
  lines.push(`  rule: ${yaml(r.rule)}`);
  if (r.notes.length > 0) lines.push('  notes:', ...r.notes.map((n) => `    - ${yaml(n)}`));
  lines.push(`  duration_ms: ${r.durationMs}`, '  ...');
  return head + lines.join('\n') + '\n';
}

/** Closing comment lines with the counts (TAP consumers ignore comments). */
export function tapFooter(results: readonly CheckResult[]): string {
  const s = summarize(results);
  return `# pass ${s.pass}\n# fail ${s.fail}\n# skip ${s.skip}\n`;
}

/** A whole run as one TAP document. */
export function formatTap(results: readonly CheckResult[]): string {
  return tapHeader(results.length) + results.map(tapResult).join('') + tapFooter(results);
}
