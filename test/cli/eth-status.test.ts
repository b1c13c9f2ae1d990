/**
 * `devp2p-ts eth status` run as the built CLI (dist/src/cli/main.js) against our own serving node
 * (Server + EthService on the devnet chain) on 127.0.0.1. Every child runs under execFile's
 * timeout with SIGKILL; every server started here is stopped in afterEach.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesToHex } from '../../src/common/bytes.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { formatEnode } from '../../src/enode/enode-url.js';
import { networkForkId, networkFromGenesisJson } from '../../src/chain/chain-config.js';
import { MemoryChain } from '../../src/chain/chain.js';
import { genesisBlockFromJson } from '../../src/chain/genesis.js';
import { generateDevnetChain, type DevnetChain } from '../../src/chain/devnet-chain.js';
import type { EthVersion } from '../../src/eth/protocol.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import type { CloseInfo } from '../../src/rlpx/session.js';
import { Server } from '../../src/server/server.js';
import { EthService } from '../../src/sync/node/eth-service.js';
import { DEVNET_SEED } from '../../src/cli/common-options.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'dist/src/cli/main.js');
/** Hard limit for any one CLI run; a status query takes well under a second here. */
const CHILD_TIMEOUT_MS = 20_000;
const CLIENT_ID = 'eth-status-test/v9.8.7';

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; resolves (never rejects) with its exit status and output. */
function cli(args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { cwd: ROOT, timeout: CHILD_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals | null }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (npx tsc -p .)`);
  dir = await mkdtemp(join(tmpdir(), 'devp2p-ts-eth-status-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** The chain `serve --devnet` serves (same seed, so `--network devnet` matches it). */
const devnet = generateDevnetChain({ length: 200, seed: DEVNET_SEED });
/** Same chain ID (network ID), another genesis. */
const otherDevnet = generateDevnetChain({ length: 10, seed: 'another devnet' });

/** A serving node on 127.0.0.1 offering `versions`; records how its peers left. */
async function servingNode(chain: Pick<DevnetChain, 'network' | 'chain'>, versions: readonly EthVersion[]) {
  const eth = new EthService({ network: chain.network, chain: chain.chain, versions });
  const server = new Server({ privateKey: generatePrivateKey(), protocols: eth.protocols(), listen: { host: '127.0.0.1', port: 0 }, clientId: CLIENT_ID, noDial: true });
  const removed: CloseInfo[] = [];
  server.on('peer:removed', (_p, info) => removed.push(info));
  await server.start();
  cleanups.push(() => server.stop());
  return { server, enode: server.enode, removed };
}

/** Waits (bounded) until `cond` holds. */
async function until(cond: () => boolean, ms = 5_000): Promise<boolean> {
  for (let waited = 0; !cond() && waited < ms; waited += 20) await new Promise((r) => setTimeout(r, 20));
  return cond();
}

function parseJson(r: RunResult): Record<string, unknown> {
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines, r.stdout).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

describe('eth status against our serving node', () => {
  const head = devnet.chain.head();
  const forkId = networkForkId(devnet.network, head.number, head.time);

  it('eth/68: prints the node Status with TD and head hash (--json)', async () => {
    const node = await servingNode(devnet, [68]);
    const r = await cli(['eth', 'status', node.enode, '--network', 'devnet', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(parseJson(r)).toEqual({
      clientId: CLIENT_ID,
      version: 68,
      networkId: '1337',
      genesis: bytesToHex(devnet.network.genesisHash),
      forkId: { hash: bytesToHex(forkId.hash), next: forkId.next.toString() },
      forkIdValidation: 'ok',
      td: '0',
      head: bytesToHex(head.hash),
      capabilities: ['eth/68'],
      network: 'devnet',
      ok: true,
    });
  });

  it.each([69, 70] as const)('eth/%i: prints the node Status with its block range (--json)', async (version) => {
    const node = await servingNode(devnet, [version]);
    const r = await cli(['eth', 'status', node.enode, '--network', 'devnet', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = parseJson(r);
    expect(j).toMatchObject({
      clientId: CLIENT_ID,
      version,
      networkId: '1337',
      genesis: bytesToHex(devnet.network.genesisHash),
      forkId: { hash: bytesToHex(forkId.hash), next: '0' },
      forkIdValidation: 'ok',
      earliestBlock: devnet.chain.earliest().toString(),
      latestBlock: head.number.toString(),
      latestBlockHash: bytesToHex(head.hash),
      capabilities: [`eth/${version}`],
      ok: true,
    });
    expect(j).not.toHaveProperty('td');
    expect(j).not.toHaveProperty('mismatch');
  });

  it('negotiates the highest version both offer, limited by --eth', async () => {
    const node = await servingNode(devnet, [68, 69, 70]);
    const all = parseJson(await cli(['eth', 'status', node.enode, '--network', 'devnet', '--json']));
    expect(all.version).toBe(70);
    expect(all.capabilities).toEqual(['eth/68', 'eth/69', 'eth/70']);
    const limited = parseJson(await cli(['eth', 'status', node.enode, '--network', 'devnet', '--eth', '68,69', '--json']));
    expect(limited.version).toBe(69);
  });

  it('prints a readable Status by default and leaves with Disconnect(client quitting)', async () => {
    const node = await servingNode(devnet, [69]);
    const r = await cli(['eth', 'status', node.enode, '--network', 'devnet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = r.stdout;
    expect(out).toMatch(new RegExp(`^client: +${CLIENT_ID.replace(/[./]/g, '\\$&')}$`, 'm'));
    expect(out).toMatch(/^eth: +69$/m);
    expect(out).toMatch(/^network ID: +1337$/m);
    expect(out).toMatch(new RegExp(`^genesis: +${bytesToHex(devnet.network.genesisHash)}$`, 'm'));
    expect(out).toMatch(new RegExp(`^fork ID: +${bytesToHex(forkId.hash)} next 0 \\(valid for devnet\\)$`, 'm'));
    expect(out).toMatch(/^earliest: +0$/m);
    expect(out).toMatch(new RegExp(`^latest: +${head.number} \\(hash ${bytesToHex(head.hash)}\\)$`, 'm'));
    expect(out).toMatch(/^caps: +eth\/69$/m);
    expect(out).toMatch(/^status: +matches devnet$/m);
    expect(await until(() => node.removed.length === 1)).toBe(true);
    expect(node.removed[0]).toMatchObject({ reason: DisconnectReason.ClientQuitting, remote: true });
  });

  it('--genesis FILE (with or without --genesis-hash): the network of a geth genesis.json', async () => {
    const config: Record<string, unknown> = { chainId: 4242, terminalTotalDifficulty: 0, shanghaiTime: 0, cancunTime: 0, pragueTime: 0 };
    for (const f of devnet.network.blockForks) config[f.name] = 0;
    const json = JSON.stringify({ config, timestamp: '0x6553f100', gasLimit: '0x1c9c380', alloc: {} });
    const file = join(dir, 'genesis-4242.json');
    await writeFile(file, json);
    // A node serving just that genesis block, on the network the file describes.
    const g = genesisBlockFromJson(json);
    const network = networkFromGenesisJson(json, g.header.hash);
    const chain = new MemoryChain([{ header: g.header, body: { transactions: g.transactions, uncles: g.uncles, ...(g.withdrawals ? { withdrawals: g.withdrawals } : {}) }, receipts: [] }]);
    const node = await servingNode({ network, chain }, [70]);
    const expected = { version: 70, networkId: '4242', genesis: bytesToHex(g.header.hash), latestBlock: '0', forkIdValidation: 'ok', ok: true, network: 'custom' };
    const r = await cli(['eth', 'status', node.enode, '--genesis', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJson(r)).toMatchObject(expected);
    const withHash = await cli(['eth', 'status', node.enode, '--genesis', file, '--genesis-hash', bytesToHex(g.header.hash), '--json']);
    expect(withHash.code, withHash.stderr).toBe(0);
    expect(parseJson(withHash)).toMatchObject(expected);
    // The devnet is another network: same forks, other chain ID and genesis.
    const devnetNode = await servingNode(devnet, [70]);
    const other = await cli(['eth', 'status', devnetNode.enode, '--genesis', file, '--json']);
    expect(other.code).toBe(1);
    expect(parseJson(other)).toMatchObject({ networkId: '1337', ok: false, mismatch: { reason: 'network-id' } });
  });
});

describe('eth status on a mismatch or failure', () => {
  it('another network: prints the node Status and the reason, exit 1', async () => {
    const node = await servingNode(devnet, [69]);
    const r = await cli(['eth', 'status', node.enode, '--network', 'mainnet']);
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^network ID: +1337$/m);
    expect(r.stdout).toMatch(new RegExp(`^genesis: +${bytesToHex(devnet.network.genesisHash)}$`, 'm'));
    expect(r.stdout).toMatch(/^status: +MISMATCH with mainnet: network-id: network 1337, want 1$/m);
    expect(r.stderr).toBe('error: Status mismatch: network-id: network 1337, want 1\n');
  });

  it('same network ID, another genesis: reason genesis in the JSON, exit 1', async () => {
    const node = await servingNode(otherDevnet, [70]);
    const r = await cli(['eth', 'status', node.enode, '--network', 'devnet', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const j = parseJson(r);
    expect(j).toMatchObject({ networkId: '1337', genesis: bytesToHex(otherDevnet.network.genesisHash), ok: false, forkIdValidation: 'local-incompatible-or-stale' });
    expect((j.mismatch as { reason: string }).reason).toBe('genesis');
    expect(r.stderr).toMatch(/^error: Status mismatch: genesis: /);
  });

  it('no shared eth version: exit 1 naming what each side offers', async () => {
    const node = await servingNode(devnet, [68]);
    const r = await cli(['eth', 'status', node.enode, '--network', 'devnet', '--eth', '69,70']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: .*no shared eth version: we offer 69,70, the node offers 68\n$/);
  });

  it('a closed port: exit 1 with the dial error', async () => {
    const srv = createServer();
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((res) => srv.close(() => res()));
    const enode = formatEnode({ publicKey: publicKeyOf(generatePrivateKey()), ip: '127.0.0.1', tcpPort: port, udpPort: port });
    const r = await cli(['eth', 'status', enode, '--network', 'devnet', '--timeout', '2000']);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: dial 127\.0\.0\.1:\d+: ECONNREFUSED\n$/);
  });

  it('a port that accepts and never answers: exit 1 with a timeout once --timeout passes', async () => {
    const sockets: Socket[] = [];
    const srv = createServer((s) => sockets.push(s));
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
    cleanups.push(() => new Promise<void>((res) => (sockets.forEach((s) => s.destroy()), srv.close(() => res()))));
    const port = (srv.address() as { port: number }).port;
    const enode = formatEnode({ publicKey: publicKeyOf(generatePrivateKey()), ip: '127.0.0.1', tcpPort: port, udpPort: port });
    const r = await cli(['eth', 'status', enode, '--network', 'devnet', '--timeout', '500']);
    expect(r.signal, 'the command outlived its --timeout').toBeNull();
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: .*timeout.*\n$/);
    expect(sockets.length).toBe(1);
  });

  it('usage errors exit 2: no enode, an unknown version, an unknown subcommand', async () => {
    const enode = formatEnode({ publicKey: publicKeyOf(generatePrivateKey()), ip: '127.0.0.1', tcpPort: 1, udpPort: 1 });
    const cases: [string[], RegExp][] = [
      [['eth', 'status'], /needs an enode URL/],
      [['eth', 'status', enode, '--eth', '67'], /--eth takes versions from 68,69,70/],
      [['eth', 'status', enode, '--network', 'nonesuch'], /unknown network "nonesuch"/],
      [['eth', 'frobnicate'], /unknown eth command "frobnicate"/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(/^error: /);
      expect(r.stderr.split('\n')[0]).toMatch(message);
    }
  });
});
