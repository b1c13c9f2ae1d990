/**
 * The demo's geth node (`demo --with-geth`): a real geth, started on loopback with the devnet's
 * genesis.json and the demo's bootnode, told the devnet head through the engine API (as a
 * consensus client would), so that it finds the serving nodes by discovery, syncs the chain from
 * them and executes every block; the demo then checks that geth's head is the served head.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '../common/bytes.js';
import type { Block } from '../chain/block.js';
import type { ChainBlock } from '../chain/chain.js';
import { engineHeadCalls } from '../chain/engine-payload.js';
import { findGethBinary, isExecutableFile, runProcess, startGeth, type GethNode } from '../testing/geth-node.js';
import { UsageError } from './output.js';

/** How long geth may take to reach the served head (it executes every block). */
export const DEMO_GETH_SYNC_TIMEOUT_MS = 180_000;
/** Without a peer found by discovery after this long, the demo gives geth the serving nodes itself. */
export const DEMO_GETH_DISCOVERY_WAIT_MS = 20_000;
/** How often the demo asks geth for its head. */
const POLL_MS = 500;

/** The geth binary the demo runs: `--geth FILE`, else the interop build cache, else PATH. */
export function demoGethBinary(flag: string | undefined): string {
  if (flag !== undefined) {
    if (!isExecutableFile(flag)) throw new UsageError(`--geth ${flag}: not an executable file`);
    return flag;
  }
  const found = findGethBinary();
  if (found === undefined) {
    throw new UsageError(
      'demo --with-geth: no geth binary found (looked in the interop build cache and on PATH); build one with `scripts/build-go-tool.sh geth v1.17.10` from a clone of the repository, install geth, or give --geth FILE',
    );
  }
  return found;
}

/** `geth version`'s Version line, e.g. "1.17.10-stable". */
export async function gethVersion(bin: string): Promise<string> {
  const out = await runProcess(bin, ['version'], { timeoutMs: 30_000, stderr: 'ignore' });
  return /^Version:\s*(\S+)/m.exec(out)?.[1] ?? 'unknown';
}

/** Starts geth with the devnet genesis (written into `dir`) and discovery through `bootnode`, then drives it to `head` with newPayload + forkchoiceUpdated. */
export async function startDemoGeth(bin: string, dir: string, genesisJson: Record<string, unknown>, bootnode: string, head: ChainBlock): Promise<GethNode> {
  const genesis = join(dir, 'genesis.json');
  writeFileSync(genesis, JSON.stringify(genesisJson, null, 2));
  const geth = await startGeth(bin, { genesis, discovery: { bootnodes: [bootnode] } });
  try {
    const block: Block = { header: head.header, ...head.body };
    for (const { method, params } of engineHeadCalls(block)) await geth.engine(method, params);
    return geth;
  } catch (err) {
    await geth.stop();
    throw err;
  }
}

/** What became of geth's sync. */
export interface DemoGethResult {
  /** geth's head equals the served head. */
  ok: boolean;
  /** geth's latest block number and hash (hex without 0x) when the wait ended. */
  number: bigint;
  hash: string;
  /** From the engine API call to the end of the wait. */
  ms: number;
  /** geth's peers at the end, and whether the demo had to add the serving nodes by hand. */
  peers: number;
  addedPeers: boolean;
}

/**
 * Waits until geth's latest block is `head` (bounded by {@link DEMO_GETH_SYNC_TIMEOUT_MS} and
 * `signal`). If geth has found no peer by discovery after {@link DEMO_GETH_DISCOVERY_WAIT_MS}, the
 * serving nodes' enodes are given to it with admin_addPeer, and the result says so.
 */
export async function waitForGethHead(geth: GethNode, head: ChainBlock, servers: readonly string[], startedAt: number, opts: { signal?: AbortSignal } = {}): Promise<DemoGethResult> {
  const want = bytesToHex(head.header.hash);
  let addedPeers = false;
  let number = 0n;
  let hash = '';
  let peers = 0;
  while (Date.now() - startedAt < DEMO_GETH_SYNC_TIMEOUT_MS) {
    opts.signal?.throwIfAborted();
    const latest = await geth.rpc<{ number: string; hash: string }>('eth_getBlockByNumber', ['latest', false]);
    number = BigInt(latest.number);
    hash = latest.hash.slice(2);
    peers = (await geth.rpc<unknown[]>('admin_peers')).length;
    if (hash === want) return { ok: true, number, hash, ms: Date.now() - startedAt, peers, addedPeers };
    if (!addedPeers && peers === 0 && Date.now() - startedAt > DEMO_GETH_DISCOVERY_WAIT_MS) {
      for (const enode of servers) await geth.rpc('admin_addPeer', [enode]);
      addedPeers = true;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { ok: false, number, hash, ms: Date.now() - startedAt, peers, addedPeers };
}
