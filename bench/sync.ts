/**
 * Header sync end to end: a fresh node (`runSyncNode`: server + eth + HeaderSync + HeaderStore in
 * a temp dir) syncs a mainnet-shaped header chain from three serving nodes (Server + EthService)
 * over loopback RLPx.
 *
 * The serving nodes run in a child process (this file, run with `--serve-headers`), as they would
 * be on other machines: the figure is what the syncing node itself sustains, not that plus the
 * cost of serving on the same thread. On a 2-core machine the child has the other core. The
 * child runs on the default backend (auto) whichever backend the syncing process measures, as the
 * nodes a user syncs from are not running this process's choice.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hexToBytes, bytesToHex } from '../src/common/bytes.js';
import { generatePrivateKey } from '../src/crypto/secp256k1.js';
import { parseEnode } from '../src/enode/enode-url.js';
import type { EthNetwork } from '../src/chain/chain-config.js';
import { Server } from '../src/server/server.js';
import { EthService } from '../src/sync/node/eth-service.js';
import { runSyncNode } from '../src/sync/node/sync-node.js';
import { headerChain } from './eth.js';
import { withDeadline } from './measure.js';

const SERVE_FLAG = '--serve-headers';

/** What the child reports once its nodes listen. */
interface ServingReady {
  enodes: string[];
  networkId: string;
  genesisHash: string;
  genesisTime: string;
  head: string;
  headHash: string;
}

export interface SyncBenchResult {
  /** Headers per second over the sync proper (target chosen to last header stored). */
  headersPerS: number;
  /** The same over the whole run: connecting to the peers, the Status exchanges, choosing the target. */
  wallHeadersPerS: number;
  headers: number;
  servers: number;
  /** CPU milliseconds the syncing process spent per 1000 headers (user + system, all its threads). */
  cpuMsPer1kHeaders: number;
}

/**
 * Syncs `headers` headers (plus genesis) from `servers` serving nodes into a fresh store and
 * checks the synced head is the served one.
 */
export async function syncBench(opts: { headers: number; servers?: number; timeoutMs?: number }): Promise<SyncBenchResult> {
  const servers = opts.servers ?? 3;
  const child = fork(fileURLToPath(import.meta.url), [SERVE_FLAG, String(opts.headers), String(servers)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, DEVP2P_CRYPTO: 'auto' },
  });
  const datadir = mkdtempSync(join(tmpdir(), 'devp2p-ts-bench-sync-'));
  try {
    const ready = await withDeadline('serving nodes', 300_000, childReady(child));
    const network: EthNetwork = {
      name: 'bench',
      networkId: BigInt(ready.networkId),
      genesisHash: hexToBytes(ready.genesisHash),
      genesisTime: BigInt(ready.genesisTime),
      blockForks: [],
      timeForks: [],
      bootnodes: [],
    };
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const summary = await withDeadline(
      'header sync',
      opts.timeoutMs ?? 600_000,
      runSyncNode({ network, datadir, privateKey: generatePrivateKey(), peers: ready.enodes.map(parseEnode), peerWaitMs: 30_000, settleMs: 300 }),
    );
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (summary.to !== ready.head || summary.headHash !== ready.headHash) throw new Error(`syncBench: synced to ${summary.to} ${summary.headHash}, served head is ${ready.head} ${ready.headHash}`);
    const headers = Number(summary.headersFetched);
    if (headers !== opts.headers + 1) throw new Error(`syncBench: fetched ${headers} headers, expected ${opts.headers + 1}`);
    return {
      headersPerS: summary.headersPerSecond,
      wallHeadersPerS: headers / wallS,
      headers,
      servers,
      cpuMsPer1kHeaders: (cpu.user + cpu.system) / 1000 / (headers / 1000),
    };
  } finally {
    await stopChild(child);
    rmSync(datadir, { recursive: true, force: true });
  }
}

function childReady(child: ChildProcess): Promise<ServingReady> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      cleanup();
      resolve(m as ServingReady);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`serving nodes exited early (code ${code})`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Asks the child to stop its nodes (closing IPC does), then kills it if it does not exit within 5 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  if (child.connected) child.disconnect();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, 5_000)))]);
  clearTimeout(timer);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Child side: `servers` nodes serving one header chain of `length` headers; stops when the parent disconnects. */
async function serveHeaders(length: number, servers: number): Promise<void> {
  const { network, chain } = headerChain(length);
  const nodes: Server[] = [];
  for (let i = 0; i < servers; i++) {
    const eth = new EthService({ network, chain });
    const s = new Server({ privateKey: generatePrivateKey(), protocols: eth.protocols(), listen: { host: '127.0.0.1', port: 0 }, noDial: true, clientId: `devp2p-ts/bench-serve-${i}` });
    await s.start();
    nodes.push(s);
  }
  const head = chain.head();
  const ready: ServingReady = {
    enodes: nodes.map((n) => n.enode),
    networkId: network.networkId.toString(),
    genesisHash: bytesToHex(network.genesisHash),
    genesisTime: network.genesisTime.toString(),
    head: head.number.toString(),
    headHash: bytesToHex(head.hash),
  };
  process.send!(ready);
  await new Promise<void>((r) => process.once('disconnect', () => r()));
  await Promise.all(nodes.map((n) => n.stop()));
}

if (process.argv[2] === SERVE_FLAG && import.meta.url === pathToFileURL(process.argv[1]!).href) {
  await serveHeaders(Number(process.argv[3]), Number(process.argv[4]));
}
