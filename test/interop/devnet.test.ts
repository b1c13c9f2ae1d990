/**
 * Our devnet against geth at each pinned version, on loopback:
 * - `geth init` takes the genesis.json `devp2p-ts devnet-chain` writes, unchanged, to our genesis
 *   hash, and `geth import` executes the chain file to our head hash;
 * - the receipts file from `--receipts-out` equals geth's `eth_getBlockReceipts` for every block;
 * - a fresh geth started with the same genesis, driven by the engine API (newPayload of our head,
 *   then forkchoiceUpdated), syncs the whole chain from our `serve` process alone and executes it
 *   to our head; `sync-headers` from that geth then yields our chain.
 * Every check lands in interop-report.json. Skipped, with one line saying so, without Go.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { bytesToHex } from '../../src/common/bytes.js';
import type { Block } from '../../src/chain/block.js';
import { engineHeadCalls } from '../../src/chain/engine-payload.js';
import { stopProcess } from '../../src/testing/geth-node.js';
import { DEVNET_FORKS } from '../../src/chain/devnet-chain.js';
import { readChainFile } from '../../src/chain/chain-file.js';
import { readReceiptsFile } from '../../src/chain/receipts-file.js';
import { receiptsFromRpc } from '../../src/chain/receipts-json.js';
import { buildTool, GETH_VERSIONS, goBinary, startGeth, type GethNode } from './geth-harness.js';
import { check } from './report.js';

const go = goBinary();
if (!go) process.stderr.write('Go is not installed: geth devnet interop tests skipped\n');
const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
/** Chain length: enough blocks of every kind the generator makes (transfers of both types, withdrawals, empty). */
const DEVNET_BLOCKS = 96;
/** Chain length of the per-fork import checks: blocks of every kind, quickly. */
const FORK_BLOCKS = 16;
/** How long a fresh geth may take to sync the devnet from us (polled every 500 ms). */
const SYNC_WAIT_MS = 120_000;

const cli = (args: string[], timeout = 300_000) => promisify(execFile)(process.execPath, [CLI, ...args], { timeout, maxBuffer: 16 * 1024 * 1024 });
const hex = (b: Uint8Array) => `0x${bytesToHex(b)}`;
const qty = (n: bigint) => `0x${n.toString(16)}`;

interface RpcBlock {
  number: string;
  hash: string;
  stateRoot: string;
}

/** newPayload + forkchoiceUpdated of `head`, at the versions of its fork. */
async function driveToHead(geth: GethNode, head: Block): Promise<void> {
  const [newPayload, forkchoice] = engineHeadCalls(head);
  const status = await geth.engine<{ status: string }>(newPayload.method, newPayload.params);
  // A node without the parent answers SYNCING (and starts fetching it); ACCEPTED is fine too.
  expect(['SYNCING', 'ACCEPTED', 'VALID']).toContain(status.status);
  await geth.engine(forkchoice.method, forkchoice.params);
}

/** Starts `devp2p-ts serve` on the chain files; resolves with its enode and a stop function. */
async function startServe(dir: string): Promise<{ enode: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, 'serve', '--chain', join(dir, 'chain.rlp'), '--receipts', join(dir, 'receipts.rlp'), '--genesis', join(dir, 'genesis.json'), '--addr', '127.0.0.1:0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  const stop = () => stopProcess(child);
  const lines = createInterface({ input: child.stdout! });
  const enode = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve printed no enode in 60 s: ${err}`)), 60_000);
    lines.once('line', (l) => {
      clearTimeout(t);
      resolve(l.trim());
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`serve exited ${code}: ${err}`));
    });
  });
  return { enode, stop };
}

describe.skipIf(!go)('devnet chain in geth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'devp2p-ts-devnet-interop-'));
  let summary: { headHash: string; genesisHash: string; head: string };
  const blocks: Block[] = [];

  beforeAll(async () => {
    const { stdout } = await cli(['devnet-chain', '--blocks', String(DEVNET_BLOCKS), '--out', join(dir, 'chain.rlp'), '--receipts-out', join(dir, 'receipts.rlp'), '--genesis-out', join(dir, 'genesis.json'), '--json']);
    summary = JSON.parse(stdout);
    for await (const b of readChainFile(join(dir, 'chain.rlp'))) blocks.push(b.block);
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const { version } of GETH_VERSIONS) {
    const node = `geth ${version}`;
    describe(node, () => {
      let bin: string;
      let geth: GethNode;
      beforeAll(async () => {
        bin = await buildTool('geth', version);
        // init + import of our genesis.json and chain.rlp (startGeth runs both before starting geth).
        geth = await startGeth(bin, dir);
      });
      afterAll(() => geth?.stop());

      it('init takes our genesis.json to our genesis hash; import executes our chain to our head hash', () =>
        check(node, 'devnet: geth init + import reach our head', async () => {
          expect(`0x${geth.genesisHash}`).toBe(summary.genesisHash);
          const latest = await geth.rpc<RpcBlock>('eth_getBlockByNumber', ['latest', false]);
          expect(latest.number).toBe(qty(BigInt(DEVNET_BLOCKS)));
          expect(latest.hash).toBe(summary.headHash);
          expect(latest.stateRoot).toBe(hex(blocks[DEVNET_BLOCKS]!.header.stateRoot));
        }));

      it('every --fork: init + import of a short chain reaches our head', async () => {
        for (const fork of DEVNET_FORKS) {
          await check(node, `devnet --fork ${fork}: geth init + import reach our head`, async () => {
            const forkDir = mkdtempSync(join(tmpdir(), `devp2p-ts-devnet-${fork}-`));
            try {
              const { stdout } = await cli(['devnet-chain', '--blocks', String(FORK_BLOCKS), '--fork', fork, '--out', join(forkDir, 'chain.rlp'), '--genesis-out', join(forkDir, 'genesis.json'), '--json']);
              const want = JSON.parse(stdout) as { headHash: string };
              const g = await startGeth(bin, forkDir);
              try {
                const latest = await g.rpc<RpcBlock>('eth_getBlockByNumber', ['latest', false]);
                expect(latest.number).toBe(qty(BigInt(FORK_BLOCKS)));
                expect(latest.hash).toBe(want.headHash);
              } finally {
                await g.stop();
              }
            } finally {
              rmSync(forkDir, { recursive: true, force: true });
            }
          });
        }
      }, 300_000);

      it('our receipts file equals its eth_getBlockReceipts, block by block', () =>
        check(node, 'devnet: --receipts-out equals eth_getBlockReceipts', async () => {
          let entries = 0;
          for await (const e of readReceiptsFile(join(dir, 'receipts.rlp'))) {
            const theirs = receiptsFromRpc(await geth.rpc('eth_getBlockReceipts', [hex(e.blockHash)]));
            expect(theirs, `block ${hex(e.blockHash)}`).toEqual(e.receipts);
            entries++;
          }
          expect(entries).toBe(DEVNET_BLOCKS + 1);
          expect(blocks.some((b) => b.transactions.length > 1)).toBe(true);
        }));

      it('a fresh geth with our genesis syncs the devnet from our serve alone; sync-headers from it yields our chain', async () => {
        const serve = await startServe(dir);
        const fresh = await startGeth(bin, dir, { importChain: false });
        try {
          await check(node, 'devnet: a fresh geth syncs it from our serve (engine API driven)', async () => {
            expect(await fresh.rpc<boolean>('admin_addPeer', [serve.enode])).toBe(true);
            await driveToHead(fresh, blocks[DEVNET_BLOCKS]!);
            let got = '';
            for (let i = 0; i < SYNC_WAIT_MS / 500 && got !== summary.headHash; i++) {
              await new Promise((r) => setTimeout(r, 500));
              got = (await fresh.rpc<RpcBlock>('eth_getBlockByNumber', ['latest', false])).hash;
            }
            expect(got, fresh.log().slice(-3000)).toBe(summary.headHash);
          });
          await check(node, 'devnet: sync-headers from that geth yields our chain', async () => {
            const datadir = mkdtempSync(join(tmpdir(), 'devp2p-ts-devnet-headers-'));
            try {
              const { stdout } = await cli(['sync-headers', '--genesis', join(dir, 'genesis.json'), '--peer', fresh.enode, '--datadir', datadir, '--json'], 120_000);
              const out = JSON.parse(stdout.trim().split('\n').pop()!);
              expect(String(out.to)).toBe(String(DEVNET_BLOCKS));
              expect(`0x${out.headHash}`).toBe(summary.headHash);
            } finally {
              rmSync(datadir, { recursive: true, force: true });
            }
          });
        } finally {
          await fresh.stop();
          await serve.stop();
        }
      }, SYNC_WAIT_MS + 240_000);
    });
  }
});
