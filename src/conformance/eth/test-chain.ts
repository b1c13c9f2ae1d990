/**
 * A geth ethtest-style chain directory (`--chain DIR`): `genesis.json` and `chain.rlp`
 * (blocks from 1 on; the genesis block is computed from the json). With it the eth checks
 * compare what the node serves with the blocks it should have.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesToHex, equalBytes } from '../../common/bytes.js';
import type { Block } from '../../chain/block.js';
import { networkFromGenesisJson, type EthNetwork } from '../../chain/chain-config.js';
import { readChainFile } from '../../chain/chain-file.js';
import { genesisBlockFromJson, GenesisError } from '../../chain/genesis.js';
import type { BlockHeader } from '../../chain/header.js';

/** Raised when a chain directory cannot be used. */
export class TestChainError extends Error {
  constructor(
    readonly dir: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`chain ${dir}: ${message}`, options);
    this.name = 'TestChainError';
  }
}

/** The chain a node under test should serve. */
export interface TestChain {
  network: EthNetwork;
  /** Blocks in number order, without gaps, starting at `blocks[0].header.number` (0 when the genesis could be computed, else 1). */
  blocks: readonly Block[];
}

/** The chain's last block header. */
export function chainHead(c: TestChain): BlockHeader {
  return c.blocks[c.blocks.length - 1]!.header;
}

/** The block at `number`, if the chain holds it. */
export function chainBlock(c: TestChain, number: bigint): Block | undefined {
  const first = c.blocks[0]!.header.number;
  const i = number - first;
  return i < 0n || i >= BigInt(c.blocks.length) ? undefined : c.blocks[Number(i)];
}

/** Builds a test chain from blocks already in memory (tests, embedding code). */
export function testChainFromBlocks(network: EthNetwork, blocks: readonly Block[]): TestChain {
  if (blocks.length === 0) throw new RangeError('a test chain needs at least one block');
  return { network, blocks };
}

/**
 * Loads `DIR/genesis.json` and `DIR/chain.rlp`. The genesis hash is the one computed from the
 * json; if this code cannot compute it (a genesis format it does not know), block 1's parent
 * hash stands in. Either way block 1 must be the genesis block's child.
 */
export async function loadTestChain(dir: string, signal?: AbortSignal): Promise<TestChain> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(join(dir, 'genesis.json'), 'utf8'));
  } catch (err) {
    throw new TestChainError(dir, `cannot read genesis.json: ${(err as Error).message}`, { cause: err });
  }
  let genesis: Block | undefined;
  try {
    genesis = genesisBlockFromJson(json);
  } catch (err) {
    if (!(err instanceof GenesisError)) throw new TestChainError(dir, `genesis.json: ${(err as Error).message}`, { cause: err });
  }
  const blocks: Block[] = genesis ? [genesis] : [];
  for await (const { block } of readChainFile(join(dir, 'chain.rlp'), signal ? { signal } : {})) {
    if (blocks.length === 0 || blocks.length === 1) {
      // The file may start at the genesis itself (a `geth export`) or at block 1 (ethtest).
      if (genesis && block.header.number === 0n) {
        if (!equalBytes(block.header.hash, genesis.header.hash)) throw new TestChainError(dir, `chain.rlp starts with genesis ${bytesToHex(block.header.hash)}, genesis.json gives ${bytesToHex(genesis.header.hash)}`);
        continue;
      }
      if (genesis && !equalBytes(block.header.parentHash, genesis.header.hash)) {
        throw new TestChainError(dir, `block ${block.header.number} of chain.rlp is not a child of the genesis in genesis.json (${bytesToHex(genesis.header.hash)})`);
      }
    }
    blocks.push(block);
  }
  if (blocks.length === 0 || (genesis && blocks.length === 1)) throw new TestChainError(dir, 'chain.rlp holds no blocks');
  const first = blocks[0]!.header;
  if (first.number > 1n) throw new TestChainError(dir, `chain.rlp starts at block ${first.number}, expected 0 or 1`);
  const genesisHash = genesis ? genesis.header.hash : first.number === 0n ? first.hash : first.parentHash;
  return { network: networkFromGenesisJson(json, genesisHash, { name: 'chain' }), blocks };
}
