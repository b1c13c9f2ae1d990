/**
 * geth's own conformance suite (`devp2p discv4 test`) against our node, when a devp2p binary
 * is given: DEVP2P_BIN=/path/to/devp2p npx vitest run test/discv4/geth-suite.test.ts
 * Skipped otherwise (the replayed checks in conformance.test.ts always run).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Discv4 } from '../../src/discv4/index.js';
import { startNode } from './support.js';

const bin = process.env.DEVP2P_BIN;
const nodes: Discv4[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.close()));
});

describe.skipIf(!bin || !existsSync(bin))('geth devp2p discv4 test (DEVP2P_BIN)', () => {
  it('passes all tests', async () => {
    const node = await startNode({ revalidateIntervalMs: 3000 });
    nodes.push(node);
    node.start();
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn(bin!, ['discv4', 'test', '--remote', node.enode, '--listen1', '127.0.0.1', '--listen2', '127.0.0.2'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      p.stdout.on('data', (d: Buffer) => (text += d.toString()));
      p.stderr.on('data', (d: Buffer) => (text += d.toString()));
      const timer = setTimeout(() => p.kill(), 60_000);
      p.on('error', reject);
      p.on('close', () => {
        clearTimeout(timer);
        resolve(text);
      });
    });
    const m = /(\d+)\/(\d+) tests passed/.exec(out);
    expect(m, out).not.toBeNull();
    expect(m![1], out).toBe(m![2]);
  }, 90_000);
});
