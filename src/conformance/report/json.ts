/** JSON output: one object with the target, every result and the counts. */
import type { CheckResult } from '../check.js';
import { summarize, type RunSummary } from '../runner.js';

/** The JSON report of a run. */
export interface JsonReport {
  suite: string;
  /** The node under test (enode URL). */
  target: string;
  results: CheckResult[];
  summary: RunSummary;
}

export function jsonReport(suite: string, target: string, results: readonly CheckResult[]): JsonReport {
  return { suite, target, results: [...results], summary: summarize(results) };
}

/** The report as one line of JSON. */
export function formatJson(suite: string, target: string, results: readonly CheckResult[]): string {
  return JSON.stringify(jsonReport(suite, target, results)) + '\n';
}
