/**
 * `devp2p-ts crawl` (src/cli/crawl.ts) against a small loopback devnet: in process for the
 * output and the nodes file, and once through the built CLI (dist/) for the registration in
 * main.ts and the exit codes.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePrivateKey } from '../../../src/crypto/secp256k1.js';
import { Discv4 } from '../../../src/discv4/discv4.js';
import { nodeToEnode } from '../../../src/discv4/node.js';
import { generateDevnetChain } from '../../../src/chain/devnet-chain.js';
import { Server } from '../../../src/server/server.js';
import { EthService } from '../../../src/sync/node/eth-service.js';
import { crawlCommand, type CrawlIo } from '../../../src/cli/crawl.js';
import { UsageError } from '../../../src/cli/output.js';
import { NodesFileError } from '../../../src/sync/crawl/nodes-file.js';
import { DEVNET_SEED } from '../../../src/cli/common-options.js';

const MAIN = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));
const devnet = generateDevnetChain({ length: 8, seed: DEVNET_SEED });

interface TestNode {
  discv4: Discv4;
  server: Server;
}
const nodes: TestNode[] = [];
let dir: string;
let boot: string;

// A fresh devnet per test: every crawl's own discovery node bonds with the devnet and would be
// found (closed) by the next crawl.
beforeEach(async () => {
  for (let i = 0; i < 4; i++) {
    const privateKey = generatePrivateKey();
    const eth = new EthService({ network: devnet.network, chain: devnet.chain });
    const server = new Server({ privateKey, protocols: eth.protocols(), clientId: `Geth/v1.17.${i}-stable/linux-amd64/go1.26.0`, listen: { host: '127.0.0.1', port: 0 }, noDial: true });
    await server.start();
    const discv4 = await Discv4.listen({ ip: '127.0.0.1', port: server.port }, { privateKey, tcpPort: server.port, revalidateIntervalMs: 0, refreshIntervalMs: 0 });
    nodes.push({ discv4, server });
  }
  for (const a of nodes) for (const b of nodes) if (a !== b) a.discv4.table.add(b.discv4.self);
  boot = nodeToEnode(nodes[0]!.discv4.self);
});

afterEach(async () => {
  for (const n of nodes.splice(0)) {
    await n.server.stop();
    await n.discv4.close();
  }
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crawl-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function capture(): CrawlIo & { text: () => string } {
  let out = '';
  return { out: (t) => void (out += t), err: () => undefined, text: () => out };
}

const BASE = ['--network', 'devnet', '--addr', '127.0.0.1:0', '--timeout', '2000', '--duration', '3s'];

describe('devp2p-ts crawl', () => {
  it('--json prints one summary object: every node found, reachable, on eth, grouped by client version', async () => {
    const io = capture();
    await crawlCommand(['--bootnodes', boot, ...BASE, '--json'], io);
    const lines = io.text().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]!);
    expect(j).toMatchObject({ network: 'devnet', found: 4, reachable: 4, eth: 4, ethMatching: 4, errors: [] });
    expect(j.clients).toEqual([{ key: 'geth', count: 4 }]);
    expect(j.clientVersions.map((r: { key: string }) => r.key).sort()).toEqual(['geth v1.17.0', 'geth v1.17.1', 'geth v1.17.2', 'geth v1.17.3']);
    expect(j.ethVersions).toEqual([{ key: '72', count: 4 }]);
  });

  it('prints a table, and --nodes writes a geth-style nodes file that the next run resumes from', async () => {
    const file = join(dir, 'nodes.json');
    const io = capture();
    await crawlCommand(['--bootnodes', boot, ...BASE, '--nodes', file], io);
    expect(io.text()).toMatch(/nodes found\s+4\n/);
    expect(io.text()).toMatch(/by client version\n(\s+geth v1\.17\.\d\s+1\n){4}/);
    expect(io.text()).toContain(`nodes file: ${file} (4 nodes)`);
    const first = JSON.parse(await readFile(file, 'utf8')) as Record<string, { score: number; firstSeen: string; eth: { version: number } }>;
    expect(Object.keys(first).sort()).toEqual(nodes.map((n) => n.discv4.self.idHex).sort());
    for (const v of Object.values(first)) expect(v).toMatchObject({ score: 1, eth: { version: 72 } });

    // The resumed run needs no bootnode: the file's nodes are rechecked. (It also finds the first
    // run's discovery node, closed now, through the devnet's tables.)
    await crawlCommand([...BASE, '--bootnodes', '', '--nodes', file, '--json'], capture());
    const second = JSON.parse(await readFile(file, 'utf8')) as typeof first;
    for (const [id, v] of Object.entries(first)) expect(second[id]).toMatchObject({ score: 2, firstSeen: v.firstSeen });
  });

  it('refuses to run without bootnodes or known nodes, and reports a corrupt nodes file as a typed error', async () => {
    await expect(crawlCommand([...BASE, '--bootnodes', ''], capture())).rejects.toBeInstanceOf(UsageError);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{ not json');
    await expect(crawlCommand(['--bootnodes', boot, ...BASE, '--nodes', bad], capture())).rejects.toBeInstanceOf(NodesFileError);
    await expect(crawlCommand(['--bootnodes', boot, ...BASE, '--parallel', '0'], capture())).rejects.toBeInstanceOf(UsageError);
  });

  it('runs from the built CLI (main.ts) and exits 1 with one error line for a corrupt nodes file', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [MAIN, 'crawl', ...args], { timeout: 30_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
        ),
      );
    const ok = await run(['--bootnodes', boot, ...BASE, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ found: 4, reachable: 4 });
    const bad = join(dir, 'bad2.json');
    await writeFile(bad, '[]');
    const fail = await run(['--bootnodes', boot, ...BASE, '--nodes', bad]);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toBe('');
    expect(fail.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(fail.stderr).toMatch(/^error: nodes file .*bad2\.json: bad entry: the top level must be an object/);
  }, 60_000);
});
