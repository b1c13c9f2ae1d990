/** vitest globalSetup for the interop suite: starts an empty report, writes and prints it at the end. */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { REPORT_JSON, REPORT_LINES, type CheckRecord } from './report.js';

export function setup(): void {
  rmSync(REPORT_LINES, { force: true });
}

export function teardown(): void {
  const records: CheckRecord[] = existsSync(REPORT_LINES)
    ? readFileSync(REPORT_LINES, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as CheckRecord)
    : [];
  const nodes = [...new Set(records.map((r) => r.node))];
  const report = {
    generated: new Date().toISOString(),
    nodes: Object.fromEntries(nodes.map((n) => [n, records.filter((r) => r.node === n).map(({ node: _n, ...rest }) => rest)])),
    totals: {
      passed: records.filter((r) => r.status === 'passed').length,
      failed: records.filter((r) => r.status === 'failed').length,
      skipped: records.filter((r) => r.status === 'skipped').length,
    },
  };
  writeFileSync(REPORT_JSON, JSON.stringify(report, null, 2) + '\n');
  rmSync(REPORT_LINES, { force: true });
  if (records.length === 0) return;
  const w = Math.max(...records.map((r) => r.check.length), 10);
  const nw = Math.max(...nodes.map((n) => n.length), 4);
  const lines = ['', `interop report (${REPORT_JSON}):`, `${'node'.padEnd(nw)}  ${'check'.padEnd(w)}  result`];
  for (const r of records) lines.push(`${r.node.padEnd(nw)}  ${r.check.padEnd(w)}  ${r.status}${r.reason ? `: ${r.reason.slice(0, 160)}` : ''}`);
  lines.push(`totals: ${report.totals.passed} passed, ${report.totals.failed} failed, ${report.totals.skipped} skipped`, '');
  process.stdout.write(lines.join('\n') + '\n');
}
