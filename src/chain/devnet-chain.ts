/**
 * A deterministic, small, structurally valid post-merge chain for tests and the demo: every
 * header links to its parent by hash; difficulty 0, empty uncles and zero nonce (post-merge);
 * base fee follows EIP-1559 from 1 gwei; the fields of the chosen fork are present (Shanghai
 * withdrawals root; Cancun blob gas 0 and beacon root; Prague requests hash of no requests;
 * Osaka adds no header field);
 * some blocks carry signed transfers (legacy EIP-155 and EIP-1559) and withdrawals, and their
 * transactions, receipts and withdrawals roots, bloom and gas used are computed from them.
 *
 * This synchronous generator has no EVM: its state roots are deterministic stand-ins, so its
 * chain is fine for the eth wire protocol but does not import into a client. The executed chain
 * (`devnet-execution.ts`: the same transactions and withdrawals run through an EVM, real state
 * roots and hashes) is the one `devnet-chain` writes and geth imports.
 */
import { bytesToBigInt, bytesToHex, concatBytes } from '../common/bytes.js';
import { keccak256 } from '../crypto/keccak.js';
import { publicKeyOf, sign } from '../crypto/secp256k1.js';
import type { BlockBody, Withdrawal } from './block.js';
import { orBlooms } from './bloom.js';
import { MemoryChain, type ChainBlock } from './chain.js';
import type { BlockFork, EthNetwork, TimeFork } from './chain-config.js';
import { EMPTY_REQUESTS_HASH, EMPTY_UNCLE_HASH, INITIAL_BASE_FEE } from './constants.js';
import { genesisBlockFromJson } from './genesis.js';
import { makeHeader, type BlockHeader } from './header.js';
import { toReceipt68, type Receipt69 } from './receipt.js';
import { encBytes, encList, encUint } from '../common/rlp-encode.js';
import { transactionFromRaw, type Transaction } from './transaction.js';
import { receiptsRoot, transactionsRoot, withdrawalsRoot } from './block-roots.js';
import { SYSTEM_CONTRACTS } from './system-contracts.js';

export { EMPTY_REQUESTS_HASH, EMPTY_UNCLE_HASH, INITIAL_BASE_FEE } from './constants.js';
/** Gas of a plain transfer. */
const TRANSFER_GAS = 21_000n;

/** The fork sets a devnet can run, oldest first: every fork up to the named one is at genesis. */
export const DEVNET_FORKS = ['shanghai', 'cancun', 'prague', 'osaka'] as const;
export type DevnetFork = (typeof DEVNET_FORKS)[number];
/**
 * The newest fork every geth the interop suite runs (v1.17.0 and v1.17.10) accepts: Osaka (live on
 * mainnet since December 2025). Amsterdam is newer but only in later gethes, with header fields
 * this generator does not make.
 */
export const DEFAULT_DEVNET_FORK: DevnetFork = 'osaka';

/** True when `fork` includes `since` (every fork up to the named one is active). */
export function devnetForkIncludes(fork: DevnetFork, since: DevnetFork): boolean {
  return DEVNET_FORKS.indexOf(fork) >= DEVNET_FORKS.indexOf(since);
}
/** Seconds between blocks (a beacon chain slot). */
export const DEFAULT_SLOT_SECONDS = 12n;
/** Genesis timestamp when none is given: fixed, so the library's devnet is the same every run. */
export const DEFAULT_DEVNET_GENESIS_TIME = 1_700_000_000n;

export interface DevnetChainOptions {
  /** Blocks after genesis (default 64). */
  length?: number;
  /** Chain ID, also the network ID (default 1337). */
  chainId?: bigint;
  /** Forks at genesis: every fork up to this one (default {@link DEFAULT_DEVNET_FORK}). */
  fork?: DevnetFork;
  /** Genesis timestamp (default {@link DEFAULT_DEVNET_GENESIS_TIME}). */
  genesisTime?: bigint;
  /** Block i is this many seconds after block i-1 (default 12). */
  slotSeconds?: bigint;
  gasLimit?: bigint;
  /** Extra time forks for the network's fork ID (the devnet's own forks are at genesis). */
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
 * geth's default blob parameters per fork (`params.DefaultCancunBlobConfig`,
 * `DefaultPragueBlobConfig` and `DefaultOsakaBlobConfig`): geth v1.17 refuses a config that activates a blob fork without
 * its `blobSchedule` entry.
 */
const BLOB_SCHEDULE: Readonly<Record<string, { target: number; max: number; baseFeeUpdateFraction: number }>> = {
  cancun: { target: 3, max: 6, baseFeeUpdateFraction: 3_338_477 },
  prague: { target: 6, max: 9, baseFeeUpdateFraction: 5_007_716 },
  osaka: { target: 6, max: 9, baseFeeUpdateFraction: 5_007_716 },
};

/** The devnet's time forks for `fork` (all at genesis), oldest first. */
function devnetTimeForks(fork: DevnetFork): TimeFork[] {
  return DEVNET_FORKS.slice(0, DEVNET_FORKS.indexOf(fork) + 1).map((name) => ({ name: `${name}Time`, time: 0n }));
}

/**
 * The devnet as a geth `genesis.json` object: chain ID, every fork up to `fork` at genesis with
 * a `blobSchedule` entry for each blob fork, the system contracts those forks call (with their
 * code, nonce 1) and the sender funded in `alloc`; its genesis block is the devnet's block 0.
 */
export function devnetGenesisJson(options: DevnetChainOptions = {}): Record<string, unknown> {
  const chainId = options.chainId ?? 1337n;
  const seed = options.seed ?? 'devp2p-ts devnet';
  const fork = options.fork ?? DEFAULT_DEVNET_FORK;
  const sender = keccak256(publicKeyOf(derive(seed, 'sender-key', 0))).subarray(12);
  const hex = (b: Uint8Array) => '0x' + bytesToHex(b);
  const own = devnetTimeForks(fork);
  const atGenesis = Object.fromEntries(DEVNET_BLOCK_FORKS.map((name) => [name, 0]));
  const timeForks = Object.fromEntries([...own, ...(options.timeForks ?? [])].map((f) => [f.name, Number(f.time)]));
  const blobSchedule = Object.fromEntries(own.map((f) => f.name.replace(/Time$/, '')).filter((n) => n in BLOB_SCHEDULE).map((n) => [n, BLOB_SCHEDULE[n]]));
  const active = new Set(own.map((f) => f.name));
  const alloc: Record<string, unknown> = {};
  for (const c of SYSTEM_CONTRACTS) {
    if (active.has(c.fork)) alloc[bytesToHex(c.address)] = { balance: '0x0', nonce: '0x' + c.nonce.toString(16), code: hex(c.code) };
  }
  alloc[bytesToHex(sender)] = { balance: '0x' + SENDER_BALANCE.toString(16) };
  return {
    config: {
      chainId: Number(chainId),
      ...atGenesis,
      terminalTotalDifficulty: 0,
      ...timeForks,
      ...(Object.keys(blobSchedule).length === 0 ? {} : { blobSchedule }),
    },
    nonce: '0x0',
    timestamp: '0x' + (options.genesisTime ?? DEFAULT_DEVNET_GENESIS_TIME).toString(16),
    extraData: hex(utf8('devp2p-ts devnet')),
    gasLimit: '0x' + (options.gasLimit ?? 30_000_000n).toString(16),
    difficulty: '0x0',
    mixHash: hex(derive(seed, 'randao', 0)),
    coinbase: hex(derive(seed, 'coinbase', 0, 20)),
    alloc,
    number: '0x0',
    gasUsed: '0x0',
    parentHash: hex(new Uint8Array(32)),
    baseFeePerGas: '0x' + INITIAL_BASE_FEE.toString(16),
  };
}

const DEVNET_BLOCK_FORKS = ['homesteadBlock', 'eip150Block', 'eip155Block', 'eip158Block', 'byzantiumBlock', 'constantinopleBlock', 'petersburgBlock', 'istanbulBlock', 'berlinBlock', 'londonBlock', 'mergeNetsplitBlock'];

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
  const genesisTime = options.genesisTime ?? DEFAULT_DEVNET_GENESIS_TIME;
  const slotSeconds = options.slotSeconds ?? DEFAULT_SLOT_SECONDS;
  const fork = options.fork ?? DEFAULT_DEVNET_FORK;
  const cancun = devnetForkIncludes(fork, 'cancun');
  const prague = devnetForkIncludes(fork, 'prague');
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
      time: genesisTime + slotSeconds * n,
      extra,
      mixDigest: derive(seed, 'randao', n),
      nonce: new Uint8Array(8),
      baseFee: nextBaseFee(parent),
      withdrawalsRoot: withdrawalsRoot(withdrawals),
      ...(cancun ? { blobGasUsed: 0n, excessBlobGas: 0n, parentBeaconRoot: derive(seed, 'beacon-root', n) } : {}),
      ...(prague ? { requestsHash: EMPTY_REQUESTS_HASH } : {}),
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
  const timeForks: TimeFork[] = [...devnetTimeForks(fork), ...(options.timeForks ?? [])];
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
