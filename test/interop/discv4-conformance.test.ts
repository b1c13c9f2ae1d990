/**
 * geth's discv4 conformance suite (devp2p discv4 test, go-ethereum v1.17.10) against
 * `devp2p-ts discv4 listen` on 127.0.0.1 / 127.0.0.2. All 15 tests must pass.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { goBinary } from './geth-harness.js';
import { record } from './report.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/discv4-conformance.sh', import.meta.url));

describe.skipIf(!goBinary())('geth devp2p discv4 test suite', () => {
  it('passes all 15 tests against discv4 listen', async () => {
    const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile('bash', [SCRIPT], { env: { ...process.env, SKIP_TSC: '1' }, timeout: 1_500_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
      );
    });
    const oks = out.split('\n').filter((l) => /^ok \d+/.test(l));
    const notOks = out.split('\n').filter((l) => /^not ok \d+/.test(l));
    for (const m of out.matchAll(/^(ok|not ok) \d+ (\S+)/gm)) record({ node: 'devp2p v1.17.10 discv4 test', check: m[2]!, status: m[1] === 'ok' ? 'passed' : 'failed', ms: 0 });
    expect(notOks, out.slice(-4000)).toEqual([]);
    expect(oks.length).toBe(15);
    expect(code).toBe(0);
  }, 1_500_000);
});
