/**
 * Runs the built CLI (dist/) for the chain file tests: one-shot commands under a hard timeout,
 * and `serve` as a long-running child whose enode is read from stdout, stopped by PID; and
 * an eth client (our EthPeer over RLPx) that downloads a served chain.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BlockBody } from '../../src/eth/block.js';
import { ethCapability } from '../../src/eth/capabilities.js';
import type { ChainReader } from '../../src/eth/chain.js';
import type { EthNetwork } from '../../src/eth/chain-config.js';
import type { BlockHeader } from '../../src/eth/header.js';
import { EthPeer, type ReceiptsResponse } from '../../src/eth/peer.js';
import type { EthVersion } from '../../src/eth/protocol.js';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { dial } from '../../src/rlpx/connect.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = join(ROOT, 'dist/src/cli/main.js');
/** Hard limit for one CLI run. */
export const CHILD_TIMEOUT_MS = 60_000;

export function requireBuild(): void {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (npx tsc -p tsconfig.json)`);
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <script> args` to completion (SIGKILL at the timeout); never rejects. */
export function runNode(script: string, args: string[], timeoutMs = CHILD_TIMEOUT_MS): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd: ROOT, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals | null }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

export const cli = (args: string[], timeoutMs?: number) => runNode(MAIN, args, timeoutMs);

/** A running `devp2p-ts serve`. */
export interface ServeProcess {
  enode: string;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Starts `devp2p-ts serve ARGS --addr 127.0.0.1:0` and resolves with its enode (its first
 * stdout line); rejects with its stderr if it exits first or prints nothing in time.
 */
export function startServe(args: string[], timeoutMs = 30_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [MAIN, 'serve', ...args, '--addr', '127.0.0.1:0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const hard = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(hard);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`serve printed no enode within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve({ enode: out.slice(0, nl), child, stderr: () => err, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before printing its enode: ${err}`));
    });
  });
}

/** Dials `enode` speaking only eth/`version` and runs Status with `chain` as our side. */
export async function connectEth(enode: string, version: EthVersion, network: EthNetwork, chain: ChainReader): Promise<EthPeer> {
  const target = parseEnode(enode);
  const session = await dial({ publicKey: target.publicKey, host: target.ip, port: target.tcpPort }, { privateKey: generatePrivateKey(), capabilities: [ethCapability(version)] }, { signal: AbortSignal.timeout(10_000) });
  try {
    return await EthPeer.connect(session, { network, chain, requestTimeoutMs: 20_000 });
  } catch (err) {
    await session.disconnect();
    throw err;
  }
}

/** Every header from 0 to `head`, in requests of up to 512. */
export async function fetchHeaders(peer: EthPeer, head: bigint): Promise<BlockHeader[]> {
  const out: BlockHeader[] = [];
  while (BigInt(out.length) <= head) {
    const got = await peer.getBlockHeaders({ origin: { number: BigInt(out.length) }, amount: 512n });
    if (got.length === 0) throw new Error(`no headers from ${out.length}`);
    out.push(...got);
  }
  return out;
}

/** Bodies of `hashes`, re-asking from where a (size-limited) response stopped. */
export async function fetchBodies(peer: EthPeer, hashes: Uint8Array[]): Promise<BlockBody[]> {
  const out: BlockBody[] = [];
  while (out.length < hashes.length) {
    const got = await peer.getBlockBodies(hashes.slice(out.length, out.length + 256));
    if (got.length === 0) throw new Error(`no bodies from #${out.length}`);
    out.push(...got);
  }
  return out;
}

/** Receipts lists for `hashes` in one request per 256 (blocks without served receipts are left out by the server). */
export async function fetchReceipts(peer: EthPeer, hashes: Uint8Array[]): Promise<ReceiptsResponse['receipts'][number][]> {
  const out: ReceiptsResponse['receipts'][number][] = [];
  for (let i = 0; i < hashes.length; i += 256) {
    const r = await peer.getReceipts(hashes.slice(i, i + 256));
    if (r.version === 70) expect70Complete(r.lastBlockIncomplete);
    out.push(...r.receipts);
  }
  return out;
}

function expect70Complete(incomplete: boolean): void {
  if (incomplete) throw new Error('eth/70 receipts cut short: the test chains are far below the soft limit');
}
