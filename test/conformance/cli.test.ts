/**
 * `devp2p-ts test eth|discv4` as a user runs it: the built CLI (dist/; `npm test` builds first)
 * against our own nodes, with TAP, JSON and exit codes. Each child runs under a hard timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Discv4 } from '../../src/discv4/discv4.js';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { formatEnode } from '../../src/enode/enode-url.js';
import { parseTap } from './tap-parse.js';
import { startOwnNode, type OwnNode } from './support.js';

const MAIN = join(fileURLToPath(new URL('../../', import.meta.url)), 'dist/src/cli/main.js');
const CHILD_TIMEOUT_MS = 30_000;

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { timeout: CHILD_TIMEOUT_MS, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

let eth: OwnNode;
let disc: Discv4;
let ethEnode: string;
beforeAll(async () => {
  eth = await startOwnNode({ blocks: 16 });
  ethEnode = formatEnode(eth.target.node);
  disc = await Discv4.listen({ ip: '127.0.0.1', port: 0 }, { privateKey: generatePrivateKey(), revalidateIntervalMs: 0, refreshIntervalMs: 0 });
});
afterAll(async () => {
  await eth?.stop();
  await disc?.close();
});

describe('devp2p-ts test', () => {
  it('eth --tap: a TAP 13 stream with one ok line per selected check, exit 0', async () => {
    const r = await cli(['test', 'eth', '--node', ethEnode, '--tap', '--run', '^eth/69/(Status|RequestID/)|^rlpx/Ping$', '--read-timeout', '2000']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const tap = parseTap(r.stdout);
    expect(tap.plan).toBe(14);
    expect(tap.tests.every((t) => t.ok && t.skip === undefined)).toBe(true);
    expect(tap.tests.map((t) => t.name)).toContain('eth/69/RequestID/Concurrent');
  });

  it('eth --json on the wrong network: the Status check fails, exit 1', async () => {
    const r = await cli(['test', 'eth', '--node', ethEnode, '--network', 'mainnet', '--json', '--run', '^eth/68/Status$']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.summary).toEqual({ total: 1, pass: 0, fail: 1, skip: 0 });
    expect(report.results[0].reason).toMatch(/^node's Status: network ID 1337, expected 1; genesis [0-9a-f]{64}, expected d4e56740/);
  });

  it('discv4: a table by default, exit 0', async () => {
    const enode = formatEnode({ publicKey: disc.publicKey, ip: '127.0.0.1', tcpPort: 0, udpPort: disc.localAddress.port });
    const r = await cli(['test', 'discv4', '--node', enode, '--run', 'Ping/|ENRRequest/Basic', '--wait', '500']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PASS {2}discv4\/Ping\/Basic /m);
    expect(r.stdout).toMatch(/^7 checks: 7 passed, 0 failed, 0 skipped$/m);
  });

  it('usage errors exit 2', async () => {
    expect((await cli(['test', 'eth'])).code).toBe(2);
    expect((await cli(['test', 'eth', '--node', ethEnode, '--tap', '--json'])).code).toBe(2);
    expect((await cli(['test', 'eth', '--node', ethEnode, '--run', '('])).code).toBe(2);
    expect((await cli(['test', 'snap', '--node', ethEnode])).code).toBe(2);
  });
});
