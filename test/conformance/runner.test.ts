/** The check framework and reporters, with synthetic checks (no network). */
import { describe, expect, it } from 'vitest';
import { ensure, type Check } from '../../src/conformance/check.js';
import { runChecks, runOne, selectChecks, summarize } from '../../src/conformance/runner.js';
import { formatTap, tapResult } from '../../src/conformance/report/tap.js';
import { formatJson } from '../../src/conformance/report/json.js';
import { formatTable } from '../../src/conformance/report/table.js';
import { parseTap } from './tap-parse.js';

const check = (name: string, run: Check<unknown>['run'], timeoutMs?: number): Check<unknown> => ({ name, rule: `rule of ${name}`, run, ...(timeoutMs ? { timeoutMs } : {}) });

const sample: Check<unknown>[] = [
  check('a/pass', async (_e, t) => t.note('seen #1')),
  check('a/fail', async () => ensure(1 + 1 === 3, 'arithmetic is broken')),
  check('b/skip', async (_e, t) => t.skip('not offered')),
  check('b/throws', async () => {
    throw new Error('boom');
  }),
];

describe('runner', () => {
  it('reports pass, fail (with the reason), skip (with the reason) and thrown errors as failures', async () => {
    const results = await runChecks(sample, undefined);
    expect(results.map((r) => [r.index, r.name, r.status, r.reason])).toEqual([
      [1, 'a/pass', 'pass', undefined],
      [2, 'a/fail', 'fail', 'arithmetic is broken'],
      [3, 'b/skip', 'skip', 'not offered'],
      [4, 'b/throws', 'fail', 'boom'],
    ]);
    expect(results[0]!.notes).toEqual(['seen #1']);
    expect(results[1]!.rule).toBe('rule of a/fail');
    expect(summarize(results)).toEqual({ total: 4, pass: 1, fail: 2, skip: 1 });
  });

  it('--run selects by regular expression and reports only the selected checks', async () => {
    expect(selectChecks(sample, /^b\//).map((c) => c.name)).toEqual(['b/skip', 'b/throws']);
    let total = -1;
    const results = await runChecks(sample, undefined, { filter: /pass|skip/, onStart: (n) => (total = n) });
    expect(total).toBe(2);
    expect(results.map((r) => r.name)).toEqual(['a/pass', 'b/skip']);
  });

  it('a check past its deadline fails, its signal aborts and its cleanups run', async () => {
    let aborted = false;
    let cleaned = false;
    const hung = check('hung', async (_e, t) => {
      t.defer(() => (cleaned = true));
      t.signal.addEventListener('abort', () => (aborted = true));
      await new Promise(() => {});
    });
    const r = await runOne(hung, undefined, 1, 50);
    expect(r.status).toBe('fail');
    expect(r.reason).toMatch(/did not finish within 50 ms/);
    expect(aborted).toBe(true);
    expect(cleaned).toBe(true);
  });

  it('cleanups run last-first after a pass too, and a failing cleanup does not hide the others', async () => {
    const order: number[] = [];
    const r = await runOne(
      check('c', async (_e, t) => {
        t.defer(() => order.push(1));
        t.defer(() => {
          throw new Error('cleanup failed');
        });
        t.defer(() => order.push(3));
      }),
      undefined,
      1,
      1000,
    );
    expect(r.status).toBe('pass');
    expect(order).toEqual([3, 1]);
  });

  it('a cancelled run skips the remaining checks', async () => {
    const ac = new AbortController();
    const results = await runChecks([check('first', async () => ac.abort()), check('second', async () => {})], undefined, { signal: ac.signal });
    expect(results[1]).toMatchObject({ name: 'second', status: 'skip', reason: 'run cancelled' });
  });
});

describe('reporters', () => {
  it('TAP: plan line 1..N, ok / not ok per check, SKIP directive, YAML diagnostics for failures', async () => {
    const results = await runChecks(sample, undefined);
    const tap = formatTap(results);
    const parsed = parseTap(tap);
    expect(parsed.version).toBe(13);
    expect(parsed.plan).toBe(4);
    expect(parsed.tests.map((t) => [t.n, t.ok, t.name, t.skip])).toEqual([
      [1, true, 'a/pass', undefined],
      [2, false, 'a/fail', undefined],
      [3, true, 'b/skip', 'not offered'],
      [4, false, 'b/throws', undefined],
    ]);
    expect(parsed.tests[1]!.yaml).toMatchObject({ message: 'arithmetic is broken', rule: 'rule of a/fail' });
  });

  it('TAP escapes # in names and notes stay inside the YAML block', () => {
    const line = tapResult({ index: 7, name: 'x#y', rule: 'r', status: 'pass', notes: ['a # b'], durationMs: 1 });
    const parsed = parseTap(`TAP version 13\n1..1\n${line}`);
    expect(parsed.tests[0]).toMatchObject({ n: 7, ok: true, name: 'x\\#y' });
    expect(parsed.tests[0]!.yaml).toMatchObject({ notes: ['a # b'] });
  });

  it('JSON: one object with results and counts; table: one line per check and a summary', async () => {
    const results = await runChecks(sample, undefined);
    const json = JSON.parse(formatJson('eth', 'enode://x', results));
    expect(json.summary).toEqual({ total: 4, pass: 1, fail: 2, skip: 1 });
    expect(json.results[1]).toMatchObject({ name: 'a/fail', status: 'fail', reason: 'arithmetic is broken' });
    const table = formatTable(results);
    expect(table).toMatch(/^FAIL\s+a\/fail\s+\d+ ms\s+arithmetic is broken$/m);
    expect(table).toMatch(/4 checks: 1 passed, 2 failed, 1 skipped/);
  });
});
