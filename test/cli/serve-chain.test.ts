/**
 * End to end: `devp2p-ts devnet-chain --out` / geth's ethtest chain.rlp, served by
 * `devp2p-ts serve --chain` in a child process, downloaded over eth by our EthPeer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesToHex } from '../../src/common/bytes.js';
import { encodeBodyItem, type Block } from '../../src/chain/block.js';
import { MemoryChain } from '../../src/chain/chain.js';
import { networkForkId, networkFromGenesisJson } from '../../src/chain/chain-config.js';
import { readChainFile, writeChainFile } from '../../src/chain/chain-file.js';
import { generateDevnetChain } from '../../src/chain/devnet-chain.js';
import { genesisBlockFromJson } from '../../src/chain/genesis.js';
import { isStatus68 } from '../../src/eth/handshake.js';
import type { EthPeer } from '../../src/eth/peer.js';
import { ETH_VERSIONS } from '../../src/eth/protocol.js';
import { toReceipt68 } from '../../src/chain/receipt.js';
import { DEVNET_SEED } from '../../src/cli/common-options.js';
import { ethtestData, skipNote, tempDir } from '../chain/chain-file-fixtures.js';
import { cli, connectEth, fetchBodies, fetchHeaders, fetchReceipts, requireBuild, startServe, type ServeProcess } from './serve-chain-harness.js';

const hex = (b: Uint8Array) => `0x${bytesToHex(b)}`;
const BLOCKS = 200;
const dev = generateDevnetChain({ length: BLOCKS, seed: DEVNET_SEED });
const genesisOnly = new MemoryChain([dev.blocks[0]!]);

let dir: string;
let cleanup: () => Promise<void>;
let chainFile: string;
let receiptsFile: string;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  requireBuild();
  ({ dir, cleanup } = await tempDir('devp2p-ts-serve-chain-'));
  chainFile = join(dir, 'devnet.rlp');
  receiptsFile = join(dir, 'devnet-receipts.rlp');
  const r = await cli(['devnet-chain', '--blocks', String(BLOCKS), '--out', chainFile, '--receipts-out', receiptsFile]);
  expect(r.code, r.stderr).toBe(0);
}, 90_000);
afterAll(() => cleanup());
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

async function serve(args: string[]): Promise<ServeProcess> {
  const s = await startServe(args);
  stops.push(s.stop);
  return s;
}

async function peerOf(s: ServeProcess, version: (typeof ETH_VERSIONS)[number], network = dev.network, chain = genesisOnly): Promise<EthPeer> {
  const p = await connectEth(s.enode, version, network, chain);
  stops.push(() => p.disconnect());
  return p;
}

describe('serve --chain (devnet export)', () => {
  it('serves the exported chain over eth/68, eth/69 and eth/70: headers, bodies and receipts equal the generated ones', async () => {
    const s = await serve(['--chain', chainFile, '--receipts', receiptsFile, '--network', 'devnet']);
    const hashes = dev.blocks.map((b) => b.header.hash);
    for (const version of ETH_VERSIONS) {
      const peer = await peerOf(s, version);
      expect(peer.version).toBe(version);
      const head = dev.chain.head();
      const remote = peer.remoteStatus;
      expect(hex(isStatus68(remote) ? remote.head : remote.latestBlockHash)).toBe(hex(head.hash));
      expect(remote.forkId).toEqual(networkForkId(dev.network, head.number, head.time));

      const headers = await fetchHeaders(peer, head.number);
      expect(headers.map((h) => hex(h.hash))).toEqual(hashes.map(hex));
      const bodies = await fetchBodies(peer, hashes);
      expect(bodies.map((b) => bytesToHex(encodeBodyItem(b)))).toEqual(dev.blocks.map((b) => bytesToHex(encodeBodyItem(b.body))));
      const receipts = await fetchReceipts(peer, hashes);
      expect(receipts).toHaveLength(dev.blocks.length);
      expect(receipts).toEqual(dev.blocks.map((b) => (version === 68 ? b.receipts.map(toReceipt68) : b.receipts)));
      await peer.disconnect();
    }
  });

  it('without --receipts: empty blocks get empty lists, blocks with transactions are left out', async () => {
    const s = await serve(['--chain', chainFile, '--network', 'devnet', '--eth', '69']);
    const peer = await peerOf(s, 69);
    const withTx = dev.blocks.find((b) => b.body.transactions.length > 0)!;
    const emptyBlocks = dev.blocks.filter((b) => b.header.number > 0n && b.body.transactions.length === 0).slice(0, 2);
    const r = await peer.getReceipts([emptyBlocks[0]!.header.hash, withTx.header.hash, emptyBlocks[1]!.header.hash]);
    expect(r.receipts).toEqual([[], []]);
    expect((await peer.getReceipts([withTx.header.hash])).receipts).toEqual([]);
    // Bodies are there regardless.
    expect((await peer.getBlockBodies([withTx.header.hash]))[0]!.transactions.map((t) => hex(t.hash))).toEqual(withTx.body.transactions.map((t) => hex(t.hash)));
  });

  it('serves a file that starts at block 1, taking block 0 from the network (devnet)', async () => {
    const from1 = join(dir, 'from1.rlp');
    const r = await cli(['devnet-chain', '--blocks', '20', '--out', from1]);
    expect(r.code, r.stderr).toBe(0);
    // Drop the genesis block from the export: what ethtest's chain.rlp looks like.
    const blocks: Block[] = [];
    for await (const { block } of readChainFile(from1)) blocks.push(block);
    await writeChainFile(from1, blocks.slice(1));
    const s = await serve(['--chain', from1, '--network', 'devnet', '--eth', '69']);
    const peer = await peerOf(s, 69);
    const headers = await peer.getBlockHeaders({ origin: { number: 0n }, amount: 21n });
    expect(headers.map((h) => hex(h.hash))).toEqual(dev.blocks.slice(0, 21).map((b) => hex(b.header.hash)));
  });
});

describe('serve --chain usage and file errors', () => {
  it('--chain and --devnet-blocks are exclusive; --chain needs a network', async () => {
    const a = await cli(['serve', '--chain', chainFile, '--devnet-blocks', '5', '--network', 'devnet']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^error: --chain and --devnet-blocks are exclusive/);
    const b = await cli(['serve', '--chain', chainFile]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/^error: --chain needs --network NAME or --genesis FILE/);
  });

  it('refuses a chain of another network, and a corrupt file, with one error line', async () => {
    const a = await cli(['serve', '--chain', chainFile, '--network', 'sepolia', '--addr', '127.0.0.1:0']);
    expect(a.code).toBe(1);
    expect(a.stdout).toBe('');
    expect(a.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(a.stderr).toMatch(/^error: .*genesis-mismatch/);
    const bad = join(dir, 'corrupt.rlp');
    await writeFile(bad, Uint8Array.of(0xf9, 0xff, 0xff, 0x00));
    const b = await cli(['serve', '--chain', bad, '--network', 'devnet', '--addr', '127.0.0.1:0']);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/^error: .*corrupt\.rlp at byte 0: truncated/);
  });
});

const ethtest = ethtestData('v1.17.10');
describe.skipIf(ethtest === undefined)(`serve --chain ethtest v1.17.10 chain.rlp + genesis.json${skipNote('v1.17.10', ethtest !== undefined)}`, () => {
  it('serves headers 0..head equal to chain.rlp, with the fork ID of the head, the genesis computed from genesis.json', async () => {
    const blocks: Block[] = [];
    for await (const { block } of readChainFile(ethtest!.chainFile)) blocks.push(block);
    const genesis = genesisBlockFromJson(ethtest!.genesisJson);
    const network = networkFromGenesisJson(ethtest!.genesisJson, genesis.header.hash);
    const s = await serve(['--chain', ethtest!.chainFile, '--genesis', ethtest!.genesisFile, '--eth', '68,69']);
    const peer = await peerOf(s, 69, network, new MemoryChain([{ header: genesis.header, body: { transactions: [], uncles: [], withdrawals: [] }, receipts: [] }]));
    const head = blocks[blocks.length - 1]!.header;
    expect(hex(head.hash)).toBe(ethtest!.headHash);
    const remote = peer.remoteStatus;
    expect(isStatus68(remote)).toBe(false);
    if (!isStatus68(remote)) {
      expect(hex(remote.latestBlockHash)).toBe(ethtest!.headHash);
      expect(remote.latestBlock).toBe(head.number);
    }
    expect(remote.forkId).toEqual(networkForkId(network, head.number, head.time));
    expect(hex(remote.genesis)).toBe(hex(genesis.header.hash));

    const headers = await fetchHeaders(peer, head.number);
    expect(headers.map((h) => hex(h.hash))).toEqual([genesis.header, ...blocks.map((b) => b.header)].map((h) => hex(h.hash)));
    const withTx = blocks.filter((b) => b.transactions.length > 0).slice(0, 20);
    const bodies = await fetchBodies(peer, withTx.map((b) => b.header.hash));
    expect(bodies.map((b) => bytesToHex(encodeBodyItem(b)))).toEqual(withTx.map((b) => bytesToHex(encodeBodyItem(b))));
  });

  it('eth/68 Status carries the chain\'s total difficulty (the ethtest chain has a PoW prefix)', async () => {
    const genesis = genesisBlockFromJson(ethtest!.genesisJson);
    let td = genesis.header.difficulty;
    for await (const { block } of readChainFile(ethtest!.chainFile)) td += block.header.difficulty;
    expect(td).toBeGreaterThan(0n);
    const network = networkFromGenesisJson(ethtest!.genesisJson, genesis.header.hash);
    const s = await serve(['--chain', ethtest!.chainFile, '--genesis', ethtest!.genesisFile, '--eth', '68']);
    const peer = await peerOf(s, 68, network, new MemoryChain([{ header: genesis.header, body: { transactions: [], uncles: [], withdrawals: [] }, receipts: [] }]));
    const remote = peer.remoteStatus;
    expect(isStatus68(remote) && remote.td).toBe(td);
  });

  it('checks a given --genesis-hash against genesis.json', async () => {
    const wrong = await cli(['serve', '--chain', ethtest!.chainFile, '--genesis', ethtest!.genesisFile, '--genesis-hash', `0x${'11'.repeat(32)}`]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^error: --genesis-hash 0x1{64} does not match the genesis block of .*genesis\.json \(0x1518c33d/);
  });
});
