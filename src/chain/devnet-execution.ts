/**
 * The devnet executed: the blocks of {@link devnetChainStream} (same transactions, withdrawals,
 * timestamps and beacon roots) run through an EVM on the state of their genesis, so that each
 * header carries the real state root, receipts root, logs bloom, gas used and requests hash, and
 * links to its executed parent. This is the chain clients import: it is valid under the rules its
 * genesis declares, system calls included (EIP-4788 beacon root and EIP-2935 block hash writes
 * before the transactions, the EIP-7002 and EIP-7251 queue dequeues after them).
 *
 * The EVM and state are ethereumjs' (@ethereumjs/vm, /evm, /statemanager, /mpt 10.1.3, the
 * version of the @ethereumjs/block and /common we already test against): a maintained,
 * consensus-tested implementation, where hand-written emulation of the system contracts'
 * bytecode would be a second, untested EVM.
 *
 * Memory: the state trie prunes replaced nodes, and one block is held at a time, so memory grows
 * only with the live state (about one new account per block, and the system contracts' ring
 * buffers of at most 8191 slots each).
 */
import { createBlockFromRLP } from '@ethereumjs/block';
import { createCommonFromGethGenesis, parseGethGenesisState, type CustomCrypto } from '@ethereumjs/common';
import { MerklePatriciaTrie } from '@ethereumjs/mpt';
import { MerkleStateManager } from '@ethereumjs/statemanager';
import { calculateSigRecovery } from '@ethereumjs/util';
import { createVM, runBlock } from '@ethereumjs/vm';
import { bytesToHex, equalBytes } from '../common/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { keccak256 } from '../crypto/keccak.js';
import { recoverPublicKey } from '../crypto/secp256k1.js';
import { encodeBlockItem } from './block.js';
import type { ChainBlock } from './chain.js';
import type { EthNetwork } from './chain-config.js';
import { devnetChainStream, devnetGenesisJson, type DevnetChainOptions } from './devnet-chain.js';
import { makeHeader, type BlockHeader, type HeaderFields } from './header.js';
import type { Receipt69 } from './receipt.js';

/** The executed devnet as a stream: network and genesis up front, blocks executed one at a time. */
export interface ExecutedDevnetChain {
  /** The network (network ID, genesis hash, fork schedule) for Status. */
  network: EthNetwork;
  /** The geth genesis.json whose block 0 and state the chain starts from. */
  genesisJson: Record<string, unknown>;
  /** Number of the last block. */
  head: bigint;
  /** Executes the blocks, genesis first; each call starts again from the genesis state. */
  blocks(options?: { signal?: AbortSignal }): AsyncGenerator<ChainBlock>;
}

/** The EVM disagreed with what the generator built (a bug here or in the EVM, not bad input). */
export class DevnetExecutionError extends Error {
  constructor(
    readonly block: bigint,
    readonly reason: string,
  ) {
    super(`devnet block ${block}: ${reason}`);
    this.name = 'DevnetExecutionError';
  }
}

/** Our hashes and signature recovery (the fast backend when installed) in place of ethereumjs' pure ones: generation is bound by them. */
const OUR_CRYPTO: CustomCrypto = {
  keccak256: (msg) => keccak256(msg),
  sha256: (msg) => sha256(msg),
  ecrecover: (msgHash, v, r, s, chainId) => {
    const recovery = calculateSigRecovery(v, chainId);
    if (recovery !== 0n && recovery !== 1n) throw new RangeError(`invalid signature v ${v}`);
    const sig = new Uint8Array(65);
    sig.set(r, 32 - r.length);
    sig.set(s, 64 - s.length);
    sig[64] = Number(recovery);
    return recoverPublicKey(msgHash, sig);
  },
};

/** A header's fields, without its encoding and hash. */
function fieldsOf(h: BlockHeader): HeaderFields {
  const { raw: _raw, hash: _hash, ...fields } = h;
  return fields;
}

/** The devnet of `options`, executed. */
export function executedDevnetChain(options: DevnetChainOptions = {}): ExecutedDevnetChain {
  const draft = devnetChainStream(options);
  const genesisJson = devnetGenesisJson(options);

  async function* blocks({ signal }: { signal?: AbortSignal } = {}): AsyncGenerator<ChainBlock> {
    const common = createCommonFromGethGenesis(genesisJson as never, { chain: draft.network.name, customCrypto: OUR_CRYPTO });
    const trie = new MerklePatriciaTrie({ common, useKeyHashing: true, useNodePruning: true });
    const stateManager = new MerkleStateManager({ common, trie });
    const vm = await createVM({ common, stateManager, setHardfork: true });
    await stateManager.generateCanonicalGenesis(parseGethGenesisState(genesisJson as never));
    let parent: BlockHeader | undefined;
    for (const b of draft.blocks()) {
      signal?.throwIfAborted();
      if (parent === undefined) {
        // Block 0 is the genesis.json's: its state root is computed from the alloc by genesis.ts.
        const root = await stateManager.getStateRoot();
        if (!equalBytes(root, b.header.stateRoot)) throw new DevnetExecutionError(0n, `EVM genesis state root 0x${bytesToHex(root)} is not the genesis header's 0x${bytesToHex(b.header.stateRoot)}`);
        parent = b.header;
        yield b;
        continue;
      }
      const linked = makeHeader({ ...fieldsOf(b.header), parentHash: parent.hash });
      const block = createBlockFromRLP(encodeBlockItem({ header: linked, ...b.body }), { common, setHardfork: true });
      const result = await runBlock(vm, { block, generate: true, skipBlockValidation: true, skipHeaderValidation: true });
      if (result.gasUsed !== b.header.gasUsed) throw new DevnetExecutionError(b.header.number, `EVM used ${result.gasUsed} gas, the generator expected ${b.header.gasUsed}`);
      const receipts: Receipt69[] = result.receipts.map((r, i) => {
        if (!('status' in r)) throw new DevnetExecutionError(b.header.number, 'pre-Byzantium receipt');
        return {
          type: b.body.transactions[i]!.type,
          outcome: r.status,
          cumulativeGasUsed: r.cumulativeBlockGasUsed,
          logs: r.logs.map(([address, topics, data]) => ({ address, topics, data })),
        };
      });
      const header = makeHeader({
        ...fieldsOf(linked),
        stateRoot: result.stateRoot,
        receiptRoot: result.receiptsRoot,
        bloom: result.logsBloom,
        gasUsed: result.gasUsed,
        ...(result.requestsHash === undefined ? {} : { requestsHash: result.requestsHash }),
      });
      parent = header;
      yield { header, body: b.body, receipts };
    }
  }

  return { network: draft.network, genesisJson, head: draft.head, blocks };
}
