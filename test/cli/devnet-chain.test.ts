import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesToHex, concatBytes } from '../../src/common/bytes.js';
import { encodeBlockItem } from '../../src/chain/block.js';
import { generateDevnetChain } from '../../src/chain/devnet-chain.js';
import { FileChain } from '../../src/chain/file-chain.js';
import { genesisBlockFromJson } from '../../src/chain/genesis.js';
import { networkForkId, networkFromGenesisJson } from '../../src/chain/chain-config.js';
import { encodeReceiptsEntry } from '../../src/chain/receipts-file.js';
import { DEVNET_SEED } from '../../src/cli/common-options.js';
import { tempDir } from '../chain/chain-file-fixtures.js';
import { cli, requireBuild } from './serve-chain-harness.js';

const hex = (b: Uint8Array) => `0x${bytesToHex(b)}`;
const dev = generateDevnetChain({ length: 50, seed: DEVNET_SEED });

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  requireBuild();
  ({ dir, cleanup } = await tempDir('devp2p-ts-devnet-chain-'));
});
afterAll(() => cleanup());

describe('devnet-chain', () => {
  it('--out writes the devnet (genesis first) as a geth chain file, --receipts-out its receipts', async () => {
    const out = join(dir, 'c.rlp');
    const rout = join(dir, 'r.rlp');
    const r = await cli(['devnet-chain', '--blocks', '50', '--out', out, '--receipts-out', rout, '--json']);
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
    const r = await cli(['devnet-chain', '--blocks', '2', '--out', join(dir, 'g2.rlp'), '--genesis-out', gout, '--json']);
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
    expect(r.stdout).toMatch(/--network devnet/);
  });

  it('usage errors exit 2 with one line', async () => {
    for (const args of [['--blocks', '3'], ['--out', join(dir, 'x.rlp')], ['--blocks', 'many', '--out', join(dir, 'x.rlp')]]) {
      const r = await cli(['devnet-chain', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error: /);
    }
  });
});
