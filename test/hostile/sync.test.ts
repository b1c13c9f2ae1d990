/**
 * Header sync when peers or the syncing process die: a serving peer killed in the middle of a
 * request makes its chunk fail over to the other peers, and a syncing process killed with
 * SIGKILL keeps every header it had verified and resumes from there. Both over real loopback
 * sockets against our serving nodes; the second runs the built CLI (dist/, `npm test` builds
 * it first) as a child process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesToHex, equalBytes } from '../../src/common/bytes.js';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { generateDevnetChain, type DevnetChain } from '../../src/chain/devnet-chain.js';
import { EthMessageCode } from '../../src/eth/protocol.js';
import type { Protocol } from '../../src/server/protocol.js';
import { Server } from '../../src/server/server.js';
import { EthService } from '../../src/sync/node/eth-service.js';
import { HeaderStore } from '../../src/sync/headers/header-store.js';
import { runSyncNode } from '../../src/sync/node/sync-node.js';
import { sleep, type Cleanup } from './support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'dist/src/cli/main.js');
/** The CLI's devnet: its genesis does not depend on the length (src/cli/common-options.ts DEVNET_SEED). */
const DEVNET_SEED = 'devp2p-ts devnet';

const cleanups: Cleanup[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

interface Serving {
  server: Server;
  enode: string;
  requests: number;
}

/**
 * A node serving `devnet`, whose eth handler waits `delayMs` before each request (so a sync
 * takes long enough to be interrupted) and, if `dieOnRequest` is set, kills all its
 * connections (TCP reset, no Disconnect) when that header request arrives instead of answering.
 */
async function serving(devnet: DevnetChain, opts: { delayMs?: number; dieOnRequest?: number } = {}): Promise<Serving> {
  const eth = new EthService({ network: devnet.network, chain: devnet.chain });
  const state: Serving = { server: undefined as unknown as Server, enode: '', requests: 0 };
  const wrap = (p: Protocol): Protocol => ({
    ...p,
    create: (peer) => {
      const h = p.create(peer);
      return {
        handle: async (code, data) => {
          if (code === EthMessageCode.GetBlockHeaders) {
            state.requests++;
            if (state.requests === opts.dieOnRequest) {
              for (const x of state.server.peers) x.session.socket.resetAndDestroy();
              return;
            }
            if (opts.delayMs) await sleep(opts.delayMs);
          }
          return h.handle(code, data);
        },
        ...(h.close ? { close: h.close.bind(h) } : {}),
      };
    },
  });
  const server = new Server({ privateKey: generatePrivateKey(), protocols: eth.protocols().map(wrap), listen: { host: '127.0.0.1', port: 0 } });
  await server.start();
  cleanups.push(() => server.stop());
  state.server = server;
  state.enode = server.enode;
  return state;
}

function expectWholeChain(dir: string, devnet: DevnetChain): void {
  const store = HeaderStore.open(dir);
  try {
    expect(store.lowest).toBe(0n);
    expect(store.target?.number).toBe(devnet.chain.head().number);
    for (const b of devnet.blocks) expect(equalBytes(store.get(b.header.number)!.hash, b.header.hash), `block ${b.header.number}`).toBe(true);
  } finally {
    store.close();
  }
}

describe('header sync with dying peers and a dying process', () => {
  it('a peer killed in the middle of a header request: its chunk is fetched from the others', async () => {
    const devnet = generateDevnetChain({ length: 1200 });
    const dying = await serving(devnet, { dieOnRequest: 2, delayMs: 20 });
    const others = await Promise.all([serving(devnet, { delayMs: 20 }), serving(devnet, { delayMs: 20 })]);
    const datadir = tmp('devp2p-ts-hostile-sync-');
    const summary = await runSyncNode({
      network: devnet.network,
      datadir,
      privateKey: generatePrivateKey(),
      peers: [dying, ...others].map((s) => parseEnode(s.enode)),
      peerWaitMs: 10_000,
      settleMs: 300,
      requestTimeoutMs: 5_000,
    });
    expect(dying.requests).toBeGreaterThanOrEqual(2); // it really died mid-sync
    expect(summary.headHash).toBe(bytesToHex(devnet.chain.head().hash));
    expect(others[0]!.requests + others[1]!.requests).toBeGreaterThan(0);
    expectWholeChain(datadir, devnet);
  });

  it('kill -9 of the syncing process keeps what was verified, and a restart completes the sync', async () => {
    expect(existsSync(MAIN), 'dist/ is built (npm test runs tsc first)').toBe(true);
    const devnet = generateDevnetChain({ length: 1500, seed: DEVNET_SEED });
    const node = await serving(devnet, { delayMs: 150 });
    const datadir = tmp('devp2p-ts-hostile-kill-');
    // Index entries are written last: once there are some, those headers are stored.
    const log = join(datadir, 'headers', 'headers.idx');
    const args = [MAIN, 'sync-headers', '--network', 'devnet', '--peer', node.enode, '--datadir', datadir, '--json', '--timeout', '60000'];

    // First run: SIGKILL as soon as some (but not all) headers are on disk.
    const first = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => void first.kill('SIGKILL'));
    const killed = await new Promise<boolean>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(log) && statSync(log).size > 0) {
          clearInterval(poll);
          first.kill('SIGKILL');
        }
      }, 5);
      first.once('exit', (_code, signal) => {
        clearInterval(poll);
        resolve(signal === 'SIGKILL');
      });
    });
    expect(killed, 'the first run was killed before finishing').toBe(true);
    const after = HeaderStore.open(datadir);
    const lowest = after.lowest;
    try {
      expect(after.target?.number).toBe(devnet.chain.head().number);
      expect(lowest).toBeDefined();
      expect(lowest!).toBeGreaterThan(0n); // stopped mid-sync
      // Everything kept is the served chain, linked from the target down.
      for (let n = after.target!.number; n >= lowest!; n--) expect(equalBytes(after.get(n)!.hash, devnet.blocks[Number(n)]!.header.hash)).toBe(true);
    } finally {
      after.close();
    }

    // Second run: completes, fetching only what was missing.
    const second = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => void second.kill('SIGKILL'));
    let out = '';
    second.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => second.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    const summary = JSON.parse(out) as { headHash: string; headersFetched: string };
    expect(summary.headHash).toBe(bytesToHex(devnet.chain.head().hash));
    expect(BigInt(summary.headersFetched)).toBeLessThanOrEqual(lowest!);
    expectWholeChain(datadir, devnet);
  }, 90_000);
});
