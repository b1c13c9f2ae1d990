/**
 * A deterministic, small, structurally valid post-merge chain for tests and the demo: every
 * header links to its parent by hash; difficulty 0, empty uncles and zero nonce (post-merge);
 * base fee follows EIP-1559 from 1 gwei; Shanghai, Cancun and Prague fields are present
 * (withdrawals root, blob gas 0, beacon root, requests hash of no requests); some blocks carry
 * signed transfers (legacy EIP-155 and EIP-1559) and withdrawals, and their transactions,
 * receipts and withdrawals roots, bloom and gas used are computed from them.
 *
 * The state root is NOT a real state root (there is no EVM here): it is a deterministic
 * stand-in, so the chain is fine for the eth wire protocol but would not import into a client.
 */
import { bytesToBigInt, bytesToHex, concatBytes } from '../common/bytes.js';
import { keccak256 } from '../crypto/keccak.js';
import { publicKeyOf, sign } from '../crypto/secp256k1.js';
import { encodeBlockItem, type BlockBody, type Withdrawal } from './block.js';
import { orBlooms } from './bloom.js';
import { MemoryChain, type ChainBlock } from './chain.js';
import type { BlockFork, EthNetwork, TimeFork } from './chain-config.js';
import { EMPTY_REQUESTS_HASH, EMPTY_UNCLE_HASH, INITIAL_BASE_FEE } from './constants.js';
import { genesisBlockFromJson } from './genesis.js';
import { makeHeader, type BlockHeader } from './header.js';
import { toReceipt68, type Receipt69 } from './receipt.js';
import { encBytes, encList, encUint } from '../common/rlp-encode.js';
import { encodeReceiptsEntry } from './receipts-file.js';
import { RlpFileWriter } from './rlp-file.js';
import { transactionFromRaw, type Transaction } from './transaction.js';
import { receiptsRoot, transactionsRoot, withdrawalsRoot } from './block-roots.js';

export { EMPTY_REQUESTS_HASH, EMPTY_UNCLE_HASH, INITIAL_BASE_FEE } from './constants.js';
/** Gas of a plain transfer. */
const TRANSFER_GAS = 21_000n;

export interface DevnetChainOptions {
  /** Blocks after genesis (default 64). */
  length?: number;
  /** Chain ID, also the network ID (default 1337). */
  chainId?: bigint;
  /** Genesis timestamp (default 1_700_000_000); block i is 12 s after block i-1. */
  genesisTime?: bigint;
  gasLimit?: bigint;
  /** Extra time forks for the network's fork ID (Shanghai, Cancun, Prague are at genesis). */
  timeForks?: readonly TimeFork[];
  /** Seed for keys, recipients and random-looking fields (default 'devp2p-ts devnet'). */
  seed?: string;
}

export interface DevnetChain {
  /** The network (network ID, genesis hash, fork schedule) for Status. */
  network: EthNetwork;
  /** Every block, genesis first. */
  blocks: ChainBlock[];
  /** A MemoryChain over `blocks`. */
  chain: MemoryChain;
  /** The sender's private key (its transactions use nonces 0, 1, ...). */
  senderKey: Uint8Array;
}

const utf8 = (s: string) => new TextEncoder().encode(s);

function derive(seed: string, label: string, n: bigint | number, len = 32): Uint8Array {
  return keccak256(utf8(`${seed}/${label}/${n}`)).slice(0, len);
}

/** An EIP-155 signed legacy transfer. */
function legacyTransfer(key: Uint8Array, chainId: bigint, nonce: bigint, gasPrice: bigint, to: Uint8Array, value: bigint): Transaction {
  const fields = [encUint(nonce), encUint(gasPrice), encUint(TRANSFER_GAS), encBytes(to), encUint(value), encBytes(new Uint8Array(0))];
  const sig = sign(keccak256(encList([...fields, encUint(chainId), encUint(0), encUint(0)])), key);
  const v = chainId * 2n + 35n + BigInt(sig[64]!);
  return transactionFromRaw(encList([...fields, encUint(v), encUint(bytesToBigInt(sig.subarray(0, 32))), encUint(bytesToBigInt(sig.subarray(32, 64)))]));
}

/** A signed EIP-1559 (type 2) transfer. */
function dynamicFeeTransfer(key: Uint8Array, chainId: bigint, nonce: bigint, tip: bigint, maxFee: bigint, to: Uint8Array, value: bigint): Transaction {
  const fields = [encUint(chainId), encUint(nonce), encUint(tip), encUint(maxFee), encUint(TRANSFER_GAS), encBytes(to), encUint(value), encBytes(new Uint8Array(0)), encList([])];
  const sig = sign(keccak256(concatBytes(Uint8Array.of(2), encList(fields))), key);
  const payload = encList([...fields, encUint(sig[64]!), encUint(bytesToBigInt(sig.subarray(0, 32))), encUint(bytesToBigInt(sig.subarray(32, 64)))]);
  return transactionFromRaw(concatBytes(Uint8Array.of(2), payload));
}

/** EIP-1559 base fee of the child of `parent` (elasticity 2, change denominator 8). */
export function nextBaseFee(parent: Pick<BlockHeader, 'gasLimit' | 'gasUsed' | 'baseFee'>): bigint {
  const base = parent.baseFee ?? INITIAL_BASE_FEE;
  const target = parent.gasLimit / 2n;
  if (parent.gasUsed === target) return base;
  if (parent.gasUsed > target) {
    const delta = (base * (parent.gasUsed - target)) / target / 8n;
    return base + (delta > 1n ? delta : 1n);
  }
  const delta = (base * (target - parent.gasUsed)) / target / 8n;
  return base > delta ? base - delta : 0n;
}

/** Balance of the devnet's sender at genesis (1e24 wei): enough for every transfer it makes. */
const SENDER_BALANCE = 10n ** 24n;

/**
 * The devnet as a geth `genesis.json` object: chain ID, every fork up to Prague at genesis,
 * the sender funded in `alloc`; its genesis block is the devnet's block 0.
 */
export function devnetGenesisJson(options: DevnetChainOptions = {}): Record<string, unknown> {
  const chainId = options.chainId ?? 1337n;
  const seed = options.seed ?? 'devp2p-ts devnet';
  const sender = keccak256(publicKeyOf(derive(seed, 'sender-key', 0))).subarray(12);
  const hex = (b: Uint8Array) => '0x' + bytesToHex(b);
  const atGenesis = Object.fromEntries(DEVNET_BLOCK_FORKS.map((name) => [name, 0]));
  const timeForks = Object.fromEntries([...DEVNET_TIME_FORKS, ...(options.timeForks ?? [])].map((f) => [f.name, Number(f.time)]));
  return {
    config: { chainId: Number(chainId), ...atGenesis, terminalTotalDifficulty: 0, ...timeForks },
    nonce: '0x0',
    timestamp: '0x' + (options.genesisTime ?? 1_700_000_000n).toString(16),
    extraData: hex(utf8('devp2p-ts devnet')),
    gasLimit: '0x' + (options.gasLimit ?? 30_000_000n).toString(16),
    difficulty: '0x0',
    mixHash: hex(derive(seed, 'randao', 0)),
    coinbase: hex(derive(seed, 'coinbase', 0, 20)),
    alloc: { [bytesToHex(sender)]: { balance: '0x' + SENDER_BALANCE.toString(16) } },
    number: '0x0',
    gasUsed: '0x0',
    parentHash: hex(new Uint8Array(32)),
    baseFeePerGas: '0x' + INITIAL_BASE_FEE.toString(16),
  };
}

const DEVNET_BLOCK_FORKS = ['homesteadBlock', 'eip150Block', 'eip155Block', 'eip158Block', 'byzantiumBlock', 'constantinopleBlock', 'petersburgBlock', 'istanbulBlock', 'berlinBlock', 'londonBlock', 'mergeNetsplitBlock'];
const DEVNET_TIME_FORKS: readonly TimeFork[] = [{ name: 'shanghaiTime', time: 0n }, { name: 'cancunTime', time: 0n }, { name: 'pragueTime', time: 0n }];

/** The devnet as a stream: its network up front, its blocks generated one at a time. */
export interface DevnetChainStream {
  /** The network (network ID, genesis hash, fork schedule) for Status. */
  network: EthNetwork;
  /** The sender's private key (its transactions use nonces 0, 1, ...). */
  senderKey: Uint8Array;
  /** Number of the last block. */
  head: bigint;
  /**
   * Generates the blocks, genesis first. Only the block before the one being made is kept, so
   * memory does not grow with the chain's length; each call starts again from genesis.
   */
  blocks(): Generator<ChainBlock>;
}

/** The devnet without holding it: the same blocks as {@link generateDevnetChain}, streamed. */
export function devnetChainStream(options: DevnetChainOptions = {}): DevnetChainStream {
  const length = options.length ?? 64;
  const chainId = options.chainId ?? 1337n;
  const genesisTime = options.genesisTime ?? 1_700_000_000n;
  const gasLimit = options.gasLimit ?? 30_000_000n;
  const seed = options.seed ?? 'devp2p-ts devnet';
  const senderKey = derive(seed, 'sender-key', 0);
  const extra = utf8('devp2p-ts devnet');

  const makeBlock = (parent: BlockHeader, n: bigint, txs: Transaction[], withdrawals: Withdrawal[], receipts: Receipt69[]): ChainBlock => {
    const gasUsed = receipts.length === 0 ? 0n : receipts[receipts.length - 1]!.cumulativeGasUsed;
    const header = makeHeader({
      parentHash: parent.hash,
      uncleHash: EMPTY_UNCLE_HASH,
      coinbase: derive(seed, 'coinbase', 0, 20),
      stateRoot: derive(seed, 'state', n),
      txRoot: transactionsRoot(txs),
      receiptRoot: receiptsRoot(receipts),
      bloom: orBlooms(receipts.map((r) => toReceipt68(r).bloom)),
      difficulty: 0n,
      number: n,
      gasLimit,
      gasUsed,
      time: genesisTime + 12n * n,
      extra,
      mixDigest: derive(seed, 'randao', n),
      nonce: new Uint8Array(8),
      baseFee: nextBaseFee(parent),
      withdrawalsRoot: withdrawalsRoot(withdrawals),
      blobGasUsed: 0n,
      excessBlobGas: 0n,
      parentBeaconRoot: derive(seed, 'beacon-root', n),
      requestsHash: EMPTY_REQUESTS_HASH,
    });
    const body: BlockBody = { transactions: txs, uncles: [], withdrawals };
    return { header, body, receipts };
  };

  // Block 0 is what a geth genesis.json of this devnet gives (so geth-style tools can join it).
  const genesis = genesisBlockFromJson(devnetGenesisJson(options));
  const genesisBlock: ChainBlock = { header: genesis.header, body: { transactions: [], uncles: [], withdrawals: [] }, receipts: [] };

  function* blocks(): Generator<ChainBlock> {
    yield genesisBlock;
    let parent = genesisBlock.header;
    let nonce = 0n;
    let withdrawalIndex = 0n;
    for (let i = 1; i <= length; i++) {
      const n = BigInt(i);
      const baseFee = nextBaseFee(parent);
      const txs: Transaction[] = [];
      // Blocks 1, 2, 4, 5, 7, 8, ... carry one to three transfers, alternating legacy and EIP-1559.
      const count = i % 3 === 0 ? 0 : 1 + (i % 4 === 0 ? 2 : i % 2);
      for (let k = 0; k < count; k++, nonce++) {
        const to = derive(seed, 'recipient', nonce, 20);
        txs.push(nonce % 2n === 0n ? legacyTransfer(senderKey, chainId, nonce, baseFee + 1n, to, 1000n + nonce) : dynamicFeeTransfer(senderKey, chainId, nonce, 1n, baseFee * 2n, to, 1000n + nonce));
      }
      const receipts: Receipt69[] = txs.map((t, k) => ({ type: t.type, outcome: 1, cumulativeGasUsed: TRANSFER_GAS * BigInt(k + 1), logs: [] }));
      const withdrawals: Withdrawal[] = [];
      if (i % 4 === 0) {
        for (let k = 0; k < 2; k++, withdrawalIndex++) {
          withdrawals.push({ index: withdrawalIndex, validatorIndex: 100n + withdrawalIndex, address: derive(seed, 'withdrawal', withdrawalIndex, 20), amount: 32_000_000n + withdrawalIndex });
        }
      }
      const block = makeBlock(parent, n, txs, withdrawals, receipts);
      yield block;
      parent = block.header;
    }
  }

  const blockForks: BlockFork[] = DEVNET_BLOCK_FORKS.map((name) => ({ name, block: 0n }));
  const timeForks: TimeFork[] = [...DEVNET_TIME_FORKS, ...(options.timeForks ?? [])];
  const network: EthNetwork = {
    name: 'devnet',
    networkId: chainId,
    genesisHash: genesis.header.hash,
    genesisTime,
    blockForks,
    timeForks,
    bootnodes: [],
  };
  return { network, senderKey, head: BigInt(length), blocks };
}

/** Generates the chain in memory. Same options, same chain, byte for byte. */
export function generateDevnetChain(options: DevnetChainOptions = {}): DevnetChain {
  const stream = devnetChainStream(options);
  const blocks = [...stream.blocks()];
  return { network: stream.network, blocks, chain: new MemoryChain(blocks), senderKey: stream.senderKey };
}

/** What {@link writeDevnetChainFiles} wrote. */
export interface DevnetChainFilesResult {
  network: EthNetwork;
  /** Blocks written (genesis included) and the chain file's size. */
  blocks: number;
  bytes: number;
  head: BlockHeader;
  /** Receipts entries written and the receipts file's size, if one was asked for. */
  receipts?: { entries: number; bytes: number };
}

/**
 * Generates the devnet straight into a geth chain file (and a receipts file), one block at a
 * time: memory stays the same whatever the chain's length.
 */
export async function writeDevnetChainFiles(opts: DevnetChainOptions & { out: string; receiptsOut?: string }): Promise<DevnetChainFilesResult> {
  const stream = devnetChainStream(opts);
  const chainOut = await RlpFileWriter.create(opts.out);
  let receiptsOut: RlpFileWriter | undefined;
  let head: BlockHeader | undefined;
  try {
    if (opts.receiptsOut !== undefined) receiptsOut = await RlpFileWriter.create(opts.receiptsOut);
    for (const b of stream.blocks()) {
      await chainOut.write(encodeBlockItem({ header: b.header, ...b.body }));
      await receiptsOut?.write(encodeReceiptsEntry({ blockHash: b.header.hash, receipts: b.receipts }));
      head = b.header;
    }
  } finally {
    await chainOut.close();
    await receiptsOut?.close();
  }
  return {
    network: stream.network,
    blocks: chainOut.items,
    bytes: chainOut.bytes,
    head: head!,
    ...(receiptsOut === undefined ? {} : { receipts: { entries: receiptsOut.items, bytes: receiptsOut.bytes } }),
  };
}
