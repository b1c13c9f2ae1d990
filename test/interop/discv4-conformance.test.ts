/**
 * geth's discv4 conformance suite (devp2p discv4 test, go-ethereum v1.17.10) against
 * `devp2p-ts discv4 listen` on 127.0.0.1 / 127.0.0.2, once per crypto backend: the two runs go
 * side by side (the suite mostly waits on its own timeouts), so the pure run adds no wall time.
 * All 15 tests must pass on both.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { goBinary } from './geth-harness.js';
import { record } from './report.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/discv4-conformance.sh', import.meta.url));
const BACKENDS = ['fast', 'pure'] as const;

function runSuite(backend: (typeof BACKENDS)[number]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT], { env: { ...process.env, SKIP_TSC: '1', DEVP2P_CRYPTO: backend }, timeout: 1_500_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

describe.skipIf(!goBinary())('geth devp2p discv4 test suite', () => {
  it('passes all 15 tests against discv4 listen, on the fast and on the pure crypto backend', async () => {
    const runs = await Promise.all(BACKENDS.map(runSuite));
    BACKENDS.forEach((backend, i) => {
      const { code, out } = runs[i]!;
      const node = backend === 'fast' ? 'devp2p v1.17.10 discv4 test' : 'devp2p v1.17.10 discv4 test (pure crypto)';
      for (const m of out.matchAll(/^(ok|not ok) \d+ (\S+)/gm)) record({ node, check: m[2]!, status: m[1] === 'ok' ? 'passed' : 'failed', ms: 0 });
      const lines = out.split('\n');
      expect(lines.filter((l) => /^not ok \d+/.test(l)), `${backend}:\n${out.slice(-4000)}`).toEqual([]);
      expect(lines.filter((l) => /^ok \d+/.test(l)).length, backend).toBe(15);
      expect(code, backend).toBe(0);
    });
  }, 1_500_000);
});
