/**
 * The eth suite (with the RLPx handshake checks) against our own node: a Server with
 * EthService serving a devnet chain on 127.0.0.1, at every eth version (68-72).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ethChecks, ethVersionChecks } from '../../src/conformance/eth/suite.js';
import { runChecks } from '../../src/conformance/runner.js';
import { loadTestChain, testChainFromBlocks, TestChainError } from '../../src/conformance/eth/test-chain.js';
import type { Block } from '../../src/chain/block.js';
import { MemoryChain } from '../../src/chain/chain.js';
import { writeChainFile } from '../../src/chain/chain-file.js';
import { ETH_VERSIONS } from '../../src/eth/protocol.js';
import { ethtestData } from '../chain/chain-file-fixtures.js';
import { failures, startOwnNode, startServingNode, tempDir, type OwnNode } from './support.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

let node: OwnNode;
beforeAll(async () => {
  node = await startOwnNode();
});
afterAll(async () => {
  await node?.stop();
});

const asBlocks = (n: OwnNode): Block[] => n.devnet.blocks.map((b) => ({ header: b.header, ...b.body }));

describe('eth suite against our node', () => {
  it('every check passes at every version, knowing nothing but the enode', async () => {
    const results = await runChecks(ethChecks(), node.target);
    expect(failures(results)).toEqual([]);
    expect(results.filter((r) => r.status === 'skip').map((r) => r.name)).toEqual([]);
    for (const v of ETH_VERSIONS) expect(results.filter((r) => r.name.startsWith(`eth/${v}/`)).length).toBe(ethVersionChecks(v).length);
    expect(results.some((r) => r.name === 'rlpx/Handshake/BadAuthMAC' && r.status === 'pass')).toBe(true);
    // A refused Status is reported with the reason the node gave.
    expect(results.find((r) => r.name === 'eth/69/Status/WrongGenesis')?.notes).toEqual(['node disconnected: subprotocol error (0x10)']);
  }, 60_000);

  it('every check passes with the network and the chain known (responses compared with the chain)', async () => {
    const chain = testChainFromBlocks(node.devnet.network, asBlocks(node));
    const results = await runChecks(ethChecks(), { ...node.target, network: node.devnet.network, chain }, { filter: /^eth\// });
    expect(failures(results)).toEqual([]);
    expect(results.length).toBe(ETH_VERSIONS.reduce((n, v) => n + ethVersionChecks(v).length, 0));
  }, 60_000);

  it('a Status on another network fails the Status check when the network is known', async () => {
    const chain = testChainFromBlocks({ ...node.devnet.network, networkId: 7n }, asBlocks(node));
    const [r] = await runChecks(ethChecks(), { ...node.target, chain }, { filter: /^eth\/69\/Status$/ });
    expect(r).toMatchObject({ status: 'fail' });
    expect(r!.reason).toMatch(/network ID 1337, expected 7/);
  });

  it('a chain the node does not serve fails the header checks with the block that differs', async () => {
    const other = await startOwnNode({ blocks: 40, seed: 'another chain' });
    try {
      const chain = testChainFromBlocks(other.devnet.network, other.devnet.blocks.map((b) => ({ header: b.header, ...b.body })));
      const [r] = await runChecks(ethChecks(), { ...node.target, chain }, { filter: /^eth\/70\/GetBlockHeaders\/ByNumberAndHash$/ });
      expect(r!.status).toBe('fail');
      expect(r!.reason).toMatch(/^block 39 is [0-9a-f]{64}, the chain has [0-9a-f]{64}$/);
    } finally {
      await other.stop();
    }
  });

  it('versions the node does not offer are skipped, naming what it offers', async () => {
    const only68 = await startOwnNode({ blocks: 8, versions: [68] });
    try {
      const results = await runChecks(ethChecks([68, 69]), only68.target, { filter: /\/Status$/ });
      expect(results.map((r) => [r.name, r.status])).toEqual([
        ['eth/68/Status', 'pass'],
        ['eth/69/Status', 'skip'],
      ]);
      expect(results[1]!.reason).toBe('node does not offer eth/69 (Hello: eth/68)');
    } finally {
      await only68.stop();
    }
  });
});

describe('--chain directories', () => {
  it('a chain.rlp whose first block is not a child of the genesis.json genesis is refused', async () => {
    const tmp = await tempDir('conformance-chain-');
    try {
      await writeFile(join(tmp.dir, 'genesis.json'), JSON.stringify({ config: { chainId: 1337, londonBlock: 0, shanghaiTime: 0, cancunTime: 0, pragueTime: 0 }, gasLimit: '0x1c9c380', difficulty: '0x0', alloc: {} }));
      await writeChainFile(join(tmp.dir, 'chain.rlp'), asBlocks(node).slice(1, 4));
      await expect(loadTestChain(tmp.dir)).rejects.toThrow(TestChainError);
      await expect(loadTestChain(tmp.dir)).rejects.toThrow(/block 1 of chain.rlp is not a child of the genesis/);
    } finally {
      await tmp.cleanup();
    }
  });

  const ethtest = ethtestData('v1.17.10') ?? ethtestData('v1.17.0');
  it.skipIf(!ethtest)(`geth's ethtest chain (${ethtest?.version ?? 'absent from the Go module cache'}): our node serving it passes, receipts aside`, async () => {
    const chain = await loadTestChain(ethtest!.dir);
    expect(chain.blocks[chain.blocks.length - 1]!.header.number).toBe(ethtest!.headNumber);
    // chain.rlp carries no receipts: serve empty lists, which the receipts check must catch.
    const memory = new MemoryChain(chain.blocks.map((b) => ({ header: b.header, body: { transactions: b.transactions, uncles: b.uncles, ...(b.withdrawals ? { withdrawals: b.withdrawals } : {}) }, receipts: [] })));
    const served = await startServingNode(chain.network, memory, [69, 70]);
    try {
      const results = await runChecks(ethChecks([69, 70]), { ...served.target, network: chain.network, chain }, { filter: /^eth\// });
      const failed = failures(results);
      expect(failed.length).toBe(2);
      for (const f of failed) expect(f).toMatch(/^eth\/(69|70)\/GetReceipts\/Known: receipts of block \d+ hash to [0-9a-f]{64}, its receipts root is [0-9a-f]{64}$/);
    } finally {
      await served.stop();
    }
  }, 60_000);
});
