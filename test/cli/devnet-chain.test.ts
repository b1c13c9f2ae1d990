import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesToHex, concatBytes } from '../../src/common/bytes.js';
import { encodeBlockItem } from '../../src/chain/block.js';
import { DEFAULT_DEVNET_GENESIS_TIME, devnetGenesisJson, generateDevnetChain } from '../../src/chain/devnet-chain.js';
import { executedDevnetChain } from '../../src/chain/devnet-execution.js';
import type { ChainBlock } from '../../src/chain/chain.js';
import { readChainFile } from '../../src/chain/chain-file.js';

async function headersOf(path: string) {
  const out = [];
  for await (const b of readChainFile(path)) out.push(b.block.header);
  return out;
}
import { FileChain } from '../../src/chain/file-chain.js';
import { genesisBlockFromJson } from '../../src/chain/genesis.js';
import { networkForkId, networkFromGenesisJson } from '../../src/chain/chain-config.js';
import { encodeReceiptsEntry } from '../../src/chain/receipts-file.js';
import { DEVNET_SEED } from '../../src/cli/common-options.js';
import { tempDir } from '../chain/chain-file-fixtures.js';
import { cli, requireBuild } from './serve-chain-harness.js';

const hex = (b: Uint8Array) => `0x${bytesToHex(b)}`;
const GENESIS_TIME = String(DEFAULT_DEVNET_GENESIS_TIME);
const executed = executedDevnetChain({ length: 50, seed: DEVNET_SEED });
let blocks: ChainBlock[];
const dev = { network: executed.network, chain: { head: () => blocks[blocks.length - 1]!.header }, get blocks() { return blocks; } };

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  requireBuild();
  ({ dir, cleanup } = await tempDir('devp2p-ts-devnet-chain-'));
  blocks = [];
  for await (const b of executed.blocks()) blocks.push(b);
}, 120_000);
afterAll(() => cleanup());

describe('devnet-chain', () => {
  it('--out writes the devnet (genesis first) as a geth chain file, --receipts-out its receipts', async () => {
    const out = join(dir, 'c.rlp');
    const rout = join(dir, 'r.rlp');
    const r = await cli(['devnet-chain', '--blocks', '50', '--genesis-time', GENESIS_TIME, '--out', out, '--receipts-out', rout, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ blocks: 51, head: '50', headHash: hex(dev.chain.head().hash), genesisHash: hex(dev.network.genesisHash), networkId: '1337' });
    const bytes = new Uint8Array(await readFile(out));
    expect(bytesToHex(bytes)).toBe(bytesToHex(concatBytes(...dev.blocks.map((b) => encodeBlockItem({ header: b.header, ...b.body })))));
    expect(j.bytes).toBe(bytes.length);
    const rbytes = new Uint8Array(await readFile(rout));
    expect(bytesToHex(rbytes)).toBe(bytesToHex(concatBytes(...dev.blocks.map((b) => encodeReceiptsEntry({ blockHash: b.header.hash, receipts: b.receipts })))));
    // And it loads back as the same chain.
    const chain = await FileChain.load({ chainFile: out, receiptsFile: rout, genesisHash: dev.network.genesisHash });
    expect(hex(chain.head().hash)).toBe(hex(dev.chain.head().hash));
    expect(chain.blocksWithoutReceipts).toBe(0);
    chain.close();
  });

  it('--genesis-out writes a geth genesis.json whose genesis block is the devnet block 0', async () => {
    const gout = join(dir, 'genesis.json');
    const r = await cli(['devnet-chain', '--blocks', '2', '--genesis-time', GENESIS_TIME, '--out', join(dir, 'g2.rlp'), '--genesis-out', gout, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(await readFile(gout, 'utf8'));
    expect(hex(genesisBlockFromJson(json).header.hash)).toBe(hex(dev.network.genesisHash));
    // The fork schedule read back from it gives the devnet's fork ID.
    const net = networkFromGenesisJson(json, dev.network.genesisHash);
    expect(networkForkId(net, 0n, 0n)).toEqual(networkForkId(dev.network, 0n, 0n));
    expect(net.networkId).toBe(dev.network.networkId);
  });

  it('prints a human summary without --json', async () => {
    const r = await cli(['devnet-chain', '--blocks', '3', '--out', join(dir, 'small.rlp')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wrote blocks 0\.\.3 \(\d+ bytes\) to .*small\.rlp\n/);
    expect(r.stdout).toMatch(/serve with --chain .*small\.rlp --genesis /);
  });

  it('--wire-only writes the chain serve and demo generate (not executed), on --network devnet', async () => {
    const out = join(dir, 'wire.rlp');
    const r = await cli(['devnet-chain', '--blocks', '30', '--wire-only', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/not executed\): serve with --chain .*wire\.rlp --network devnet\n/);
    const wire = generateDevnetChain({ length: 30, seed: DEVNET_SEED });
    expect(bytesToHex(new Uint8Array(await readFile(out)))).toBe(bytesToHex(concatBytes(...wire.blocks.map((b) => encodeBlockItem({ header: b.header, ...b.body })))));
    // The executed chain differs from block 1 on (real state roots), not at genesis.
    expect(wire.blocks[0]!.header.hash).toEqual(blocks[0]!.header.hash);
    expect(wire.blocks[1]!.header.hash).not.toEqual(blocks[1]!.header.hash);
  });

  it('dates the head near now by default, and --slot-seconds spaces the blocks', async () => {
    const out = join(dir, 'now.rlp');
    const before = BigInt(Math.floor(Date.now() / 1000));
    const r = await cli(['devnet-chain', '--blocks', '5', '--slot-seconds', '6', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const headers = await headersOf(out);
    const times = headers.map((h) => h.time);
    expect(times.slice(1).map((t, i) => t - times[i]!)).toEqual([6n, 6n, 6n, 6n, 6n]);
    const after = BigInt(Math.floor(Date.now() / 1000));
    expect(times[5]!).toBeGreaterThanOrEqual(before);
    expect(times[5]!).toBeLessThanOrEqual(after);
    expect(JSON.parse(r.stdout).genesisTime).toBe(String(times[0]));
  });

  it('--fork chooses the forks at genesis: their header fields and system contracts', async () => {
    for (const [fork, contracts] of [['shanghai', 0], ['cancun', 1], ['prague', 4], ['osaka', 4]] as const) {
      const gout = join(dir, `${fork}.json`);
      const out = join(dir, `${fork}.rlp`);
      const r = await cli(['devnet-chain', '--blocks', '2', '--fork', fork, '--genesis-time', GENESIS_TIME, '--out', out, '--genesis-out', gout, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const json = JSON.parse(await readFile(gout, 'utf8'));
      expect(json).toEqual(JSON.parse(JSON.stringify(devnetGenesisJson({ seed: DEVNET_SEED, fork, genesisTime: DEFAULT_DEVNET_GENESIS_TIME }))));
      expect(Object.values(json.alloc).filter((a) => (a as { code?: string }).code !== undefined)).toHaveLength(contracts);
      const head = (await headersOf(out))[2]!;
      expect(head.withdrawalsRoot).toBeDefined();
      expect(head.parentBeaconRoot !== undefined).toBe(fork !== 'shanghai');
      expect(head.requestsHash !== undefined).toBe(fork === 'prague' || fork === 'osaka');
      expect(json.config.osakaTime !== undefined).toBe(fork === 'osaka');
      expect(JSON.parse(r.stdout).fork).toBe(fork);
    }
  }, 60_000);

  it('usage errors exit 2 with one line', async () => {
    const x = join(dir, 'x.rlp');
    for (const args of [['--blocks', '3'], ['--out', x], ['--blocks', 'many', '--out', x], ['--blocks', '3', '--fork', 'amsterdam', '--out', x], ['--blocks', '3', '--slot-seconds', '0', '--out', x], ['--blocks', '3', '--slot-seconds', '86401', '--out', x], ['--blocks', '30000000', '--slot-seconds', '86400', '--out', x]]) {
      const r = await cli(['devnet-chain', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error: /);
    }
  });
});
