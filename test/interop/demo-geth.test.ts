/**
 * `devp2p-ts demo --with-geth` with each pinned geth: the executed devnet served by our nodes,
 * a geth that finds them through the demo's bootnode (discv4), syncs and executes the chain to
 * the served head, next to our own header sync and crawl. Skipped, with one line saying so,
 * without Go.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTool, GETH_VERSIONS, goBinary } from './geth-harness.js';
import { check } from './report.js';

const go = goBinary();
if (!go) process.stderr.write('Go is not installed: demo --with-geth tests skipped\n');
const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const BLOCKS = 64;

describe.skipIf(!go)('demo --with-geth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'devp2p-ts-demo-geth-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const { version } of GETH_VERSIONS) {
    it(`geth ${version} finds the serving nodes by discovery, syncs and executes the devnet to the served head`, () =>
      check(`geth ${version}`, 'demo --with-geth: geth syncs the executed devnet from our nodes', async () => {
        const bin = await buildTool('geth', version);
        const args = [CLI, 'demo', '--with-geth', '--geth', bin, '--blocks', String(BLOCKS), '--json', '--report', join(dir, `report-${version}.html`)];
        const { stdout } = await promisify(execFile)(process.execPath, args, { timeout: 400_000, maxBuffer: 16 << 20 });
        const out = JSON.parse(stdout.trim().split('\n').pop()!);
        expect(out.ok).toBe(true);
        expect(out.synced).toBe(out.head);
        expect(out.geth.ok).toBe(true);
        expect(out.geth.hash).toBe(out.head);
        expect(out.geth.number).toBe(String(BLOCKS));
        // It found the serving nodes through the bootnode; none was handed to it.
        expect(out.geth.addedPeers).toBe(false);
        expect(out.geth.peers).toBeGreaterThan(0);
      }), 420_000);
  }
});
