/**
 * `devp2p-ts report` from the built CLI (its output, the file, --compare, --json, errors), and
 * `crawl --report` in process against a small loopback devnet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { Discv4 } from '../../src/discv4/discv4.js';
import { nodeToEnode } from '../../src/discv4/node.js';
import { generateDevnetChain } from '../../src/chain/devnet-chain.js';
import { Server } from '../../src/server/server.js';
import { EthService } from '../../src/sync/node/eth-service.js';
import { nodesToJson } from '../../src/sync/crawl/nodes-file.js';
import { crawlCommand } from '../../src/cli/crawl.js';
import { DEVNET_SEED } from '../../src/cli/common-options.js';
import { EXPECTED, EXPECTED_DIFF, fixtureCrawls } from '../report/fixtures.js';
import { cli, expectErrorLine, expectJsonError, requireBuild } from './run-cli.js';

let dir: string;
let newerFile: string;
let olderFile: string;

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'report-cli-'));
  const { newer, older } = fixtureCrawls();
  newerFile = join(dir, 'nodes.json');
  olderFile = join(dir, 'older.json');
  await writeFile(newerFile, JSON.stringify(nodesToJson(newer)));
  await writeFile(olderFile, JSON.stringify(nodesToJson(older)));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('devp2p-ts report', () => {
  it('writes the report of a nodes file, compared with an older one, and says where', async () => {
    const out = join(dir, 'crawl.html');
    const r = await cli(['report', newerFile, '--out', out, '--compare', olderFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`report: ${out} (${EXPECTED.found} nodes, 24 reachable, 20 eth; ${EXPECTED_DIFF.nodes.added} new, ${EXPECTED_DIFF.nodes.removed} gone since ${olderFile})\n`);
    const html = await readFile(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    // The network was guessed from the nodes' Statuses: mainnet.
    expect(html).toContain('<title>mainnet crawl</title>');
    expect(html).toContain('data-chart="diff-clients"');
  });

  it('--json prints the file and the totals; --network and --title are used', async () => {
    const out = join(dir, 'sepolia.html');
    const r = await cli(['report', newerFile, '--out', out, '--network', 'sepolia', '--title', 'as seen from sepolia', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    // Against Sepolia, only the two Sepolia nodes are on "our" network.
    expect(j).toMatchObject({ file: out, network: 'sepolia', found: EXPECTED.found, eth: 20, ethOurNetwork: 2 });
    expect(await readFile(out, 'utf8')).toContain('<title>as seen from sepolia</title>');
  });

  it('a missing or corrupt nodes file is one error line (exit 1, code "file"); no argument is a usage error', async () => {
    const missing = join(dir, 'missing.json');
    expectErrorLine(await cli(['report', missing, '--out', join(dir, 'x.html')]), 1, `error: nodes file ${missing}: cannot read: ENOENT`);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"nope":');
    expectJsonError(await cli(['report', bad, '--json']), 1, { code: 'file', message: new RegExp(`^nodes file ${bad}: not valid JSON`) });
    expectErrorLine(await cli(['report']), 2, 'error: report needs a nodes file (written by crawl --nodes)');
  });
});

describe('devp2p-ts crawl --report', () => {
  it('writes the report of the crawl next to its summary', async () => {
    const devnet = generateDevnetChain({ length: 4, seed: DEVNET_SEED });
    const nodes: { discv4: Discv4; server: Server }[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const privateKey = generatePrivateKey();
        const eth = new EthService({ network: devnet.network, chain: devnet.chain });
        const server = new Server({ privateKey, protocols: eth.protocols(), clientId: `Geth/v1.17.${i}-stable/linux-amd64/go1.26.0`, listen: { host: '127.0.0.1', port: 0 }, noDial: true });
        await server.start();
        const discv4 = await Discv4.listen({ ip: '127.0.0.1', port: server.port }, { privateKey, tcpPort: server.port, revalidateIntervalMs: 0, refreshIntervalMs: 0 });
        nodes.push({ discv4, server });
      }
      nodes[0]!.discv4.table.add(nodes[1]!.discv4.self);
      nodes[1]!.discv4.table.add(nodes[0]!.discv4.self);
      const report = join(dir, 'devnet.html');
      let text = '';
      await crawlCommand(['--network', 'devnet', '--bootnodes', nodeToEnode(nodes[0]!.discv4.self), '--addr', '127.0.0.1:0', '--timeout', '2s', '--duration', '3s', '--report', report], { out: (t) => void (text += t), err: () => {} });
      expect(text).toContain(`report: ${report}\n`);
      const html = await readFile(report, 'utf8');
      const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!) as { totals: { reachable: number }; clients: { key: string; count: number }[] };
      expect(data.totals.reachable).toBe(2);
      expect(data.clients).toEqual([{ key: 'geth', count: 2 }]);
    } finally {
      for (const n of nodes) {
        await n.server.stop();
        await n.discv4.close();
      }
    }
  });
});
