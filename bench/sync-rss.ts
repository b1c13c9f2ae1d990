/**
 * Header sync's memory: a 300,000-header sync in a process of its own, measured by that
 * process's peak RSS (getrusage), then the same sync run again on the same data directory
 * (nothing to fetch) to time the resume.
 *
 * Three processes, as on a real network: one serves the chain (three nodes over one in-memory
 * synthetic chain), one syncs it (`runSyncNode`, what `devp2p-ts sync-headers` runs, into a
 * fresh data directory), and this one only starts them and reads their reports.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bytesToHex, hexToBytes } from '../src/common/bytes.js';
import { generatePrivateKey } from '../src/crypto/secp256k1.js';
import { parseEnode } from '../src/enode/enode-url.js';
import type { EthNetwork } from '../src/chain/chain-config.js';
import { MemoryChain, type ChainBlock } from '../src/chain/chain.js';
import type { BlockHeader } from '../src/chain/header.js';
import { Server } from '../src/server/server.js';
import { EthService } from '../src/sync/node/eth-service.js';
import { HeaderStore } from '../src/sync/headers/header-store.js';
import { runSyncNode } from '../src/sync/node/sync-node.js';
import { withDeadline } from './measure.js';
import { syntheticHeader } from './synthetic-chain.js';

const SERVE_FLAG = '--sync-rss-serve';
const SYNC_FLAG = '--sync-rss-sync';
const SERVERS = 3;

interface Served {
  enodes: string[];
  networkId: string;
  genesisHash: string;
  genesisTime: string;
  head: string;
  headHash: string;
}

interface SyncReport {
  headersFetched: number;
  headHash: string;
  to: string;
  headersPerS: number;
  /** Wall time of the whole run (connect, Status, target, sync), ms. */
  runMs: number;
  /** Opening the store (as the run does first), ms. */
  openMs: number;
  maxRssMib: number;
}

export interface SyncRssResult {
  headers: number;
  /** Peak RSS of the syncing process, MiB. */
  maxRssMib: number;
  headersPerS: number;
  /** The second run on the synced directory: the whole run, and opening the store in it. */
  resumeMs: number;
  resumeOpenMs: number;
  resumeMaxRssMib: number;
}

function network(s: Served): EthNetwork {
  return { name: 'bench', networkId: BigInt(s.networkId), genesisHash: hexToBytes(s.genesisHash), genesisTime: BigInt(s.genesisTime), blockForks: [], timeForks: [], bootnodes: [] };
}

function firstMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      cleanup();
      const e = (m as { error?: string }).error;
      if (e !== undefined) reject(new Error(`${what}: ${e}`));
      else resolve(m as T);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`${what} exited early (code ${code})`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

async function stop(child: ChildProcess): Promise<void> {
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

/** Syncs `headers` headers (plus genesis) in a child process and reports its peak RSS, then resumes once. */
export async function syncRssBench(opts: { headers: number; timeoutMs?: number }): Promise<SyncRssResult> {
  const server = fork(fileURLToPath(import.meta.url), [SERVE_FLAG, String(opts.headers)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const datadir = mkdtempSync(join(tmpdir(), 'devp2p-ts-bench-sync-rss-'));
  try {
    const served = await withDeadline('serving nodes', 300_000, firstMessage<Served>(server, 'serving nodes'));
    const runSync = async (): Promise<SyncReport> => {
      const child = fork(fileURLToPath(import.meta.url), [SYNC_FLAG, JSON.stringify(served), datadir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      try {
        return await withDeadline('syncing process', opts.timeoutMs ?? 600_000, firstMessage<SyncReport>(child, 'syncing process'));
      } finally {
        await stop(child);
      }
    };
    const first = await runSync();
    if (first.to !== served.head || first.headHash !== served.headHash) throw new Error(`sync-rss: synced to ${first.to} ${first.headHash}, served ${served.head} ${served.headHash}`);
    if (first.headersFetched !== opts.headers + 1) throw new Error(`sync-rss: fetched ${first.headersFetched} headers, expected ${opts.headers + 1}`);
    const again = await runSync();
    if (again.headersFetched !== 0) throw new Error(`sync-rss: the resume fetched ${again.headersFetched} headers`);
    return {
      headers: opts.headers,
      maxRssMib: first.maxRssMib,
      headersPerS: first.headersPerS,
      resumeMs: again.runMs,
      resumeOpenMs: again.openMs,
      resumeMaxRssMib: again.maxRssMib,
    };
  } finally {
    await stop(server);
    rmSync(datadir, { recursive: true, force: true });
  }
}

/** Child: three nodes serving blocks 0 .. length of a synthetic chain until the parent disconnects. */
async function serve(length: number): Promise<void> {
  const blocks: ChainBlock[] = [];
  let parent: BlockHeader | undefined;
  for (let n = 0; n <= length; n++) {
    const header = syntheticHeader(n, parent?.hash ?? new Uint8Array(32));
    blocks.push({ header, body: { transactions: [], uncles: [], withdrawals: [] }, receipts: [] });
    parent = header;
  }
  const chain = new MemoryChain(blocks);
  const g = blocks[0]!.header;
  const net: EthNetwork = { name: 'bench', networkId: 31_337n, genesisHash: g.hash, genesisTime: g.time, blockForks: [], timeForks: [], bootnodes: [] };
  const nodes: Server[] = [];
  for (let i = 0; i < SERVERS; i++) {
    const eth = new EthService({ network: net, chain });
    const s = new Server({ privateKey: generatePrivateKey(), protocols: eth.protocols(), listen: { host: '127.0.0.1', port: 0 }, noDial: true, clientId: `devp2p-ts/bench-serve-${i}` });
    await s.start();
    nodes.push(s);
  }
  const head = chain.head();
  process.send!({
    enodes: nodes.map((n) => n.enode),
    networkId: net.networkId.toString(),
    genesisHash: bytesToHex(g.hash),
    genesisTime: g.time.toString(),
    head: head.number.toString(),
    headHash: bytesToHex(head.hash),
  } satisfies Served);
  await new Promise<void>((r) => process.once('disconnect', () => r()));
  await Promise.all(nodes.map((n) => n.stop()));
}

/** Child: one sync into `datadir`, reported with this process's peak RSS. */
async function sync(served: Served, datadir: string): Promise<void> {
  const t0 = performance.now();
  HeaderStore.open(datadir).close();
  const openMs = performance.now() - t0;
  const t1 = performance.now();
  const summary = await runSyncNode({ network: network(served), datadir, privateKey: generatePrivateKey(), peers: served.enodes.map(parseEnode), peerWaitMs: 30_000, settleMs: 300 });
  const runMs = performance.now() - t1;
  process.send!({
    headersFetched: Number(summary.headersFetched),
    headHash: summary.headHash,
    to: summary.to,
    headersPerS: summary.headersPerSecond,
    runMs,
    openMs,
    maxRssMib: process.resourceUsage().maxRSS / 1024,
  } satisfies SyncReport);
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  try {
    if (process.argv[2] === SERVE_FLAG) await serve(Number(process.argv[3]));
    else if (process.argv[2] === SYNC_FLAG) await sync(JSON.parse(process.argv[3]!) as Served, process.argv[4]!);
  } catch (err) {
    process.send?.({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exitCode = 1;
  }
}
