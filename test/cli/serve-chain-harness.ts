/**
 * The chain file tests' harness: the built CLI (run-cli.ts) with a longer timeout, `serve` as a
 * long-running child whose enode is read from stdout, and an eth client (our EthPeer over RLPx)
 * that downloads a served chain.
 */
import type { ChildProcess } from 'node:child_process';
import type { BlockBody } from '../../src/chain/block.js';
import { ethCapability } from '../../src/eth/capabilities.js';
import type { ChainReader } from '../../src/chain/chain.js';
import type { EthNetwork } from '../../src/chain/chain-config.js';
import type { BlockHeader } from '../../src/chain/header.js';
import { EthPeer, type ReceiptsResponse } from '../../src/eth/peer.js';
import type { EthVersion } from '../../src/eth/protocol.js';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { dial } from '../../src/rlpx/connect.js';
import { MAIN, runScript, startLongRunning, type RunResult } from './run-cli.js';

export { requireBuild, ROOT } from './run-cli.js';

/** Hard limit for one CLI run (chain files take longer than the other commands). */
export const CHILD_TIMEOUT_MS = 60_000;

/** Runs `node <script> args` to completion (SIGKILL at the timeout); never rejects. */
export const runNode = (script: string, args: string[], timeoutMs = CHILD_TIMEOUT_MS): Promise<RunResult> => runScript(script, args, { timeoutMs });

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
export async function startServe(args: string[], timeoutMs = 30_000): Promise<ServeProcess> {
  const s = await startLongRunning(['serve', ...args, '--addr', '127.0.0.1:0'], { timeoutMs });
  return { enode: s.firstLine, child: s.child, stderr: s.stderr, stop: async () => void (await s.stop()) };
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
