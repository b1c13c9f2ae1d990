/**
 * What the eth layer reads from a chain to serve peers and fill in its Status, and a simple
 * in-memory chain implementing it (for tests and the demo).
 */
import { bytesToHex, equalBytes } from '../common/bytes.js';
import type { BlockBody } from './block.js';
import type { BlockHeader } from './header.js';
import type { Receipt69 } from './receipt.js';
import type { Transaction } from './transaction.js';

/**
 * Read access to a chain. Lookups return undefined for blocks the chain does not have (or no
 * longer serves); they must be cheap, as a peer may ask for 1024 items per request.
 */
/** What Status and BlockRangeUpdate need of the head: a node still syncing may not hold the header. */
export type ChainHead = Pick<BlockHeader, 'number' | 'hash' | 'time'>;

export interface ChainReader {
  /** The current head. */
  head(): ChainHead;
  /** The oldest block whose body and receipts are served (eth/69 `earliestBlock`). */
  earliest(): bigint;
  /** The canonical header at `number`. */
  headerByNumber(number: bigint): BlockHeader | undefined;
  /** Any known header (canonical or not) by hash. */
  headerByHash(hash: Uint8Array): BlockHeader | undefined;
  /** The body of a block by its hash. */
  bodyByHash(hash: Uint8Array): BlockBody | undefined;
  /** The receipts of a block by its hash (an empty list for a block without transactions). */
  receiptsByHash(hash: Uint8Array): Receipt69[] | undefined;
  /**
   * The RLP-encoded block access list (EIP-7928) of a block by its hash, for eth/71 and snap/2;
   * undefined when not held (a chain without it need not implement this).
   */
  accessListByHash?(hash: Uint8Array): Uint8Array | undefined;
}

/** Transactions the node can hand out for GetPooledTransactions (a transaction pool). */
export interface TxSource {
  pooledTransaction(hash: Uint8Array): Transaction | undefined;
}

/** A block with everything a peer may ask about it. */
export interface ChainBlock {
  header: BlockHeader;
  body: BlockBody;
  receipts: Receipt69[];
}

/** Raised when a block does not extend the chain it is added to. */
export class ChainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChainError';
  }
}

/**
 * A canonical chain held in memory. Blocks are appended in order (each the child of the
 * head); `setEarliest` prunes history below a block as a node with expired history would.
 */
export class MemoryChain implements ChainReader {
  private readonly canonical: ChainBlock[] = [];
  private readonly byHash = new Map<string, ChainBlock>();
  private earliestBlock = 0n;

  /** Starts from `blocks[0]` (the genesis, or the first block kept), followed by its descendants. */
  constructor(blocks: readonly ChainBlock[]) {
    if (blocks.length === 0) throw new ChainError('a chain needs at least one block');
    this.earliestBlock = blocks[0]!.header.number;
    for (const b of blocks) this.append(b);
  }

  /** Appends a child of the head. */
  append(block: ChainBlock): void {
    const head = this.canonical[this.canonical.length - 1];
    if (head !== undefined) {
      if (block.header.number !== head.header.number + 1n) throw new ChainError(`block ${block.header.number} does not follow head ${head.header.number}`);
      if (!equalBytes(block.header.parentHash, head.header.hash)) throw new ChainError(`block ${block.header.number} parent hash is not the head's hash`);
    }
    this.canonical.push(block);
    this.byHash.set(bytesToHex(block.header.hash), block);
  }

  /** Stops serving bodies and receipts below `number` (headers stay available, as after EIP-4444 expiry). */
  setEarliest(number: bigint): void {
    if (number < this.first || number > this.head().number) throw new RangeError(`earliest ${number} outside the chain`);
    this.earliestBlock = number;
  }

  private get first(): bigint {
    return this.canonical[0]!.header.number;
  }

  /** Number of blocks held. */
  get length(): number {
    return this.canonical.length;
  }

  head(): BlockHeader {
    return this.canonical[this.canonical.length - 1]!.header;
  }

  earliest(): bigint {
    return this.earliestBlock;
  }

  /** The canonical block at `number`. */
  blockByNumber(number: bigint): ChainBlock | undefined {
    const i = number - this.first;
    return i < 0n || i >= BigInt(this.canonical.length) ? undefined : this.canonical[Number(i)];
  }

  headerByNumber(number: bigint): BlockHeader | undefined {
    return this.blockByNumber(number)?.header;
  }

  headerByHash(hash: Uint8Array): BlockHeader | undefined {
    return this.byHash.get(bytesToHex(hash))?.header;
  }

  private served(hash: Uint8Array): ChainBlock | undefined {
    const b = this.byHash.get(bytesToHex(hash));
    return b !== undefined && b.header.number >= this.earliestBlock ? b : undefined;
  }

  bodyByHash(hash: Uint8Array): BlockBody | undefined {
    return this.served(hash)?.body;
  }

  receiptsByHash(hash: Uint8Array): Receipt69[] | undefined {
    return this.served(hash)?.receipts;
  }
}

/** An in-memory transaction pool for GetPooledTransactions. */
export class MemoryTxPool implements TxSource {
  private readonly txs = new Map<string, Transaction>();

  constructor(txs: Iterable<Transaction> = []) {
    for (const tx of txs) this.add(tx);
  }

  add(tx: Transaction): void {
    this.txs.set(bytesToHex(tx.hash), tx);
  }

  pooledTransaction(hash: Uint8Array): Transaction | undefined {
    return this.txs.get(bytesToHex(hash));
  }
}
