/**
 * StoreChain, the chain a syncing `node` shows: it serves what it announces. With nothing
 * synced it announces its genesis (eth/68 head, eth/69 range [0, 0]) and serves that block's
 * header, empty body and empty receipts; with headers synced, those too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex, equalBytes } from '../../../src/common/bytes.js';
import { generatePrivateKey } from '../../../src/crypto/secp256k1.js';
import { parseEnode } from '../../../src/enode/enode-url.js';
import type { Block } from '../../../src/chain/block.js';
import { networkFromGenesisJson } from '../../../src/chain/chain-config.js';
import { devnetGenesisJson, generateDevnetChain } from '../../../src/chain/devnet-chain.js';
import { genesisBlockFromJson } from '../../../src/chain/genesis.js';
import { isStatus68 } from '../../../src/eth/handshake.js';
import { builtinGenesisHeader, NETWORKS } from '../../../src/chain/networks.js';
import type { EthPeer } from '../../../src/eth/peer.js';
import type { EthVersion } from '../../../src/eth/protocol.js';
import { Server } from '../../../src/server/server.js';
import { EthService } from '../../../src/sync/node/eth-service.js';
import { HeaderStore } from '../../../src/sync/headers/header-store.js';
import { P2PNode } from '../../../src/sync/node/p2p-node.js';
import { GenesisMismatchError, StoreChain } from '../../../src/sync/headers/store-chain.js';
import { TempDirs } from './store-fixtures.js';

const tmp = new TempDirs();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  tmp.cleanup();
});

function emptyStore(): HeaderStore {
  const store = HeaderStore.open(tmp.make());
  cleanups.push(() => store.close());
  return store;
}

describe('built-in genesis headers', () => {
  it.each(Object.values(NETWORKS))('$name: the embedded genesis header hashes to the network genesis hash', (network) => {
    const h = builtinGenesisHeader(network.genesisHash)!;
    expect(bytesToHex(h.hash)).toBe(bytesToHex(network.genesisHash));
    expect(h.number).toBe(0n);
    expect(h.time).toBe(network.genesisTime);
  });

  it('knows no genesis header for a network that is not built in', () => {
    expect(builtinGenesisHeader(new Uint8Array(32).fill(7))).toBeUndefined();
  });
});

describe('StoreChain', () => {
  it.each(Object.values(NETWORKS))('$name with an empty store: serves its genesis header, empty body and no receipts', (network) => {
    const chain = new StoreChain(network, emptyStore());
    const g = chain.head();
    expect(bytesToHex(g.hash)).toBe(bytesToHex(network.genesisHash));
    expect(chain.headerByNumber(0n)!.hash).toEqual(network.genesisHash);
    expect(chain.headerByHash(network.genesisHash)!.number).toBe(0n);
    expect(chain.headerByNumber(1n)).toBeUndefined();
    const body = chain.bodyByHash(network.genesisHash)!;
    expect(body.transactions).toEqual([]);
    expect(body.uncles).toEqual([]);
    // Hoodi starts with Shanghai active: its genesis body has an (empty) withdrawals list.
    expect(body.withdrawals).toEqual(network.name === 'hoodi' ? [] : undefined);
    expect(chain.receiptsByHash(network.genesisHash)).toEqual([]);
    expect(chain.earliest()).toBe(0n);
  });

  it('serves the genesis of a genesis.json network from the computed block, and refuses another network’s', () => {
    const json = devnetGenesisJson({ chainId: 4242n });
    const block = genesisBlockFromJson(json);
    const network = networkFromGenesisJson(JSON.stringify(json), block.header.hash);
    const chain = new StoreChain(network, emptyStore(), block);
    expect(chain.headerByNumber(0n)!.hash).toEqual(block.header.hash);
    expect(chain.bodyByHash(block.header.hash)).toEqual({ transactions: [], uncles: [], withdrawals: [] });
    expect(chain.receiptsByHash(block.header.hash)).toEqual([]);
    // Without the block (a genesis.json whose block could not be computed) nothing is invented.
    const blind = new StoreChain(network, emptyStore());
    expect(blind.headerByNumber(0n)).toBeUndefined();
    expect(blind.bodyByHash(block.header.hash)).toBeUndefined();
    expect(() => new StoreChain(NETWORKS.sepolia, emptyStore(), block)).toThrow(GenesisMismatchError);
  });

  it('serves genesis plus the verified range the store holds, and nothing between', () => {
    const devnet = generateDevnetChain({ length: 60 });
    const store = emptyStore();
    store.setTarget({ number: 60n, hash: devnet.blocks[60]!.header.hash });
    store.append([devnet.blocks[60]!.header]);
    store.append(devnet.blocks.slice(40, 60).map((b) => b.header));
    const g = devnet.blocks[0]!;
    const chain = new StoreChain(devnet.network, store, { header: g.header, ...g.body });
    expect(chain.headerByNumber(0n)!.hash).toEqual(g.header.hash);
    expect(chain.headerByNumber(20n)).toBeUndefined();
    expect(chain.headerByNumber(45n)!.hash).toEqual(devnet.blocks[45]!.header.hash);
    expect(chain.headerByHash(devnet.blocks[45]!.header.hash)!.number).toBe(45n);
    // Still syncing: the head shown is genesis.
    expect(chain.head().number).toBe(0n);
    store.append(devnet.blocks.slice(0, 40).map((b) => b.header));
    expect(chain.head().number).toBe(60n);
    expect(chain.headerByNumber(0n)!.hash).toEqual(g.header.hash);
  });
});

describe('a node with nothing synced, over loopback', () => {
  const devnet = generateDevnetChain({ length: 3 });
  const g = devnet.blocks[0]!;
  const genesis: Block = { header: g.header, ...g.body };

  /** A node as `devp2p-ts node` runs it (P2PNode over a StoreChain of an empty store), and an EthPeer connected to it. */
  async function askNode(version: EthVersion): Promise<EthPeer> {
    const node = await P2PNode.start({
      network: devnet.network,
      chain: new StoreChain(devnet.network, emptyStore(), genesis),
      privateKey: generatePrivateKey(),
      addr: { host: '127.0.0.1', port: 0 },
      discovery: false,
    });
    cleanups.push(() => node.stop());
    const asker = new EthService({ network: devnet.network, chain: devnet.chain, versions: [version] });
    const server = new Server({ privateKey: generatePrivateKey(), protocols: asker.protocols(), listen: null, staticNodes: [parseEnode(node.server.enode)] });
    await server.start();
    cleanups.push(() => server.stop());
    for (let i = 0; i < 200 && asker.peers.size === 0; i++) await new Promise((r) => setTimeout(r, 25));
    const peer = [...asker.peers.values()][0];
    if (peer === undefined) throw new Error('no eth peer');
    return peer;
  }

  it.each([68, 69] as const)('eth/%i: the announced genesis is served by number and by hash, with its body and receipts', async (version) => {
    const peer = await askNode(version);
    const s = peer.remoteStatus;
    if (isStatus68(s)) expect(s.head).toEqual(g.header.hash);
    else {
      expect([s.earliestBlock, s.latestBlock]).toEqual([0n, 0n]);
      expect(s.latestBlockHash).toEqual(g.header.hash);
    }
    const [byNumber] = await peer.getBlockHeaders({ origin: { number: 0n }, amount: 1n });
    expect(equalBytes(byNumber!.hash, g.header.hash)).toBe(true);
    const byHash = await peer.getBlockHeaders({ origin: { hash: g.header.hash }, amount: 1n });
    expect(byHash.map((h) => bytesToHex(h.hash))).toEqual([bytesToHex(g.header.hash)]);
    expect(await peer.getBlockHeaders({ origin: { number: 1n }, amount: 1n })).toEqual([]);
    const bodies = await peer.getBlockBodies([g.header.hash]);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.transactions).toEqual([]);
    expect(bodies[0]!.uncles).toEqual([]);
    const receipts = await peer.getReceipts([g.header.hash]);
    expect(receipts.receipts).toEqual([[]]);
  });
});
