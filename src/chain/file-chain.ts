/**
 * A chain served from files: a geth chain file (plus, optionally, a receipts file) as a
 * {@link ChainReader}, without holding the chain in memory.
 *
 * Loading streams both files once, checking everything (linkage, bodies against headers,
 * receipts against receiptsRoot, the genesis), and keeps only an index: per block its byte
 * range in the chain file (and in the receipts file) and its hash, at most 78 bytes per block.
 * Lookups then read the bytes they need with positioned synchronous reads (`ChainReader` is
 * synchronous; a read is one `pread` of a header or a block, served from the page cache for
 * a file in use). Recently read headers are cached. The files must not change while served:
 * a header whose bytes no longer hash to the indexed hash raises {@link ChainFileError}
 * `changed`.
 *
 * Receipts: a chain file carries none. Blocks without transactions have an empty receipts
 * list either way. A block with transactions has the receipts the receipts file gives for it;
 * without an entry its receipts are unknown and `receiptsByHash` returns undefined, so
 * GetReceipts leaves the block out, as for a block we do not have.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { bytesToHex, equalBytes } from '../common/bytes.js';
import type { Block, BlockBody } from './block.js';
import { BlockHashIndex } from './block-hash-index.js';
import type { ChainHead, ChainReader } from './chain.js';
import { decodeChainFileBlock, readChainFile, type ChainFileReadOptions } from './chain-file.js';
import { decodeHeader, type BlockHeader } from './header.js';
import type { Receipt69 } from './receipt.js';
import { checkReceiptsRoot, decodeReceiptsEntry, readReceiptsFile } from './receipts-file.js';
import { ChainFileError } from './rlp-file.js';

/** Decoded headers kept for repeated lookups (a header request asks for up to 1024). */
export const FILE_CHAIN_HEADER_CACHE = 4096;
/**
 * Most bytes of index per block once loaded: 30 of columns, 32 of hash and 8 to 16 of hash
 * table slots (the table is kept at most half full).
 */
export const FILE_CHAIN_INDEX_BYTES_PER_BLOCK = 78;

export interface FileChainOptions {
  /** The chain file (geth `export` format). */
  chainFile: string;
  /** A receipts file for it (see `receipts-file.ts`). */
  receiptsFile?: string;
  /**
   * The genesis block. Required when the chain file starts at block 1 (it becomes block 0,
   * held in memory); when the file starts at block 0 its genesis must have this hash.
   */
  genesis?: Block;
  /** Expected genesis hash (the network's), checked against the loaded chain's block 0. */
  genesisHash?: Uint8Array;
  /** Stops loading between blocks. */
  signal?: AbortSignal;
  /** Passed to the chain file reader (block size limit, body checks, read size). */
  read?: Omit<ChainFileReadOptions, 'signal'>;
}

/** Length of the RLP list header of a list item of `size` bytes in total. */
function listHeaderLength(size: number): number {
  if (size <= 56) return 1;
  for (let n = 1; n <= 8; n++) {
    const payload = size - 1 - n;
    if (payload >= 56 && payload < 256 ** n && payload >= 256 ** (n - 1)) return 1 + n;
  }
  throw new RangeError(`no list header fits an item of ${size} bytes`);
}

/** Per-block columns, grown by doubling. Offsets are doubles: files may pass 4 GiB. */
class BlockColumns {
  blockOffset = new Float64Array(1024);
  blockSize = new Uint32Array(1024);
  headerStart = new Uint8Array(1024);
  headerSize = new Uint32Array(1024);
  hasTxs = new Uint8Array(1024);
  receiptsOffset = new Float64Array(1024).fill(-1);
  receiptsSize = new Uint32Array(1024);

  /** Bytes held. */
  get bytes(): number {
    return this.blockOffset.byteLength + this.blockSize.byteLength + this.headerStart.byteLength + this.headerSize.byteLength + this.hasTxs.byteLength + this.receiptsOffset.byteLength + this.receiptsSize.byteLength;
  }

  /** Drops the room left by doubling: each column holds exactly `n` blocks. */
  trim(n: number): void {
    this.blockOffset = this.blockOffset.slice(0, n);
    this.blockSize = this.blockSize.slice(0, n);
    this.headerStart = this.headerStart.slice(0, n);
    this.headerSize = this.headerSize.slice(0, n);
    this.hasTxs = this.hasTxs.slice(0, n);
    this.receiptsOffset = this.receiptsOffset.slice(0, n);
    this.receiptsSize = this.receiptsSize.slice(0, n);
  }

  ensure(n: number): void {
    if (n <= this.blockOffset.length) return;
    const grow = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, fill?: number): T => {
      const next = new (a.constructor as new (n: number) => T)(a.length * 2);
      if (fill !== undefined) next.fill(fill);
      next.set(a);
      return next;
    };
    this.blockOffset = grow(this.blockOffset);
    this.blockSize = grow(this.blockSize);
    this.headerStart = grow(this.headerStart);
    this.headerSize = grow(this.headerSize);
    this.hasTxs = grow(this.hasTxs);
    this.receiptsOffset = grow(this.receiptsOffset, -1);
    this.receiptsSize = grow(this.receiptsSize);
  }
}

/** Reads exactly `size` bytes at `position` of `fd`. */
function readAt(fd: number, file: string, position: number, size: number): Uint8Array {
  const buf = new Uint8Array(size);
  let got = 0;
  while (got < size) {
    const n = readSync(fd, buf, got, size - got, position + got);
    if (n === 0) throw new ChainFileError('changed', file, position, 'file is shorter than when it was loaded');
    got += n;
  }
  return buf;
}

/** A {@link ChainReader} over a chain file and optional receipts file, indexed on load. */
export class FileChain implements ChainReader {
  private readonly headerCache = new Map<number, BlockHeader>();
  private chainFd: number | undefined;
  private receiptsFd: number | undefined;
  private headHeader!: BlockHeader;
  private withoutReceipts = 0;
  private loadedReceipts = 0;
  private fileBlockCount = 0;
  /** Sum of the difficulties of every block, genesis included (eth/68 Status `td`). */
  totalDifficulty = 0n;

  private constructor(
    private readonly chainFile: string,
    private readonly receiptsFile: string | undefined,
    private readonly cols: BlockColumns,
    private readonly hashes: BlockHashIndex,
    /** The genesis when it came from outside the file (position 0). */
    private readonly memoryGenesis: Block | undefined,
  ) {}

  /** Number of blocks served (genesis included). */
  get length(): number {
    return this.hashes.size;
  }

  /** Bytes of the in-memory index (per-block columns and the hash table), at most {@link FILE_CHAIN_INDEX_BYTES_PER_BLOCK} per block. */
  get indexBytes(): number {
    return this.cols.bytes + this.hashes.bytes;
  }

  /** Blocks read from the chain file. */
  get fileBlocks(): number {
    return this.fileBlockCount;
  }

  /** Blocks whose receipts came from the receipts file. */
  get receiptsLoaded(): number {
    return this.loadedReceipts;
  }

  /** Blocks with transactions whose receipts are not served. */
  get blocksWithoutReceipts(): number {
    return this.withoutReceipts;
  }

  /** Loads and checks the files and indexes them. Throws {@link ChainFileError} if they are inconsistent. */
  static async load(opts: FileChainOptions): Promise<FileChain> {
    const file = opts.chainFile;
    const cols = new BlockColumns();
    const hashes = new BlockHashIndex();
    let memoryGenesis: Block | undefined;
    let head: BlockHeader | undefined;
    let fileBlocks = 0;
    let td = 0n;
    const index = (header: BlockHeader, hasTxs: boolean, offset: number, size: number) => {
      td += header.difficulty;
      const p = hashes.size;
      cols.ensure(p + 1);
      cols.blockOffset[p] = offset;
      cols.blockSize[p] = size;
      cols.headerStart[p] = offset < 0 ? 0 : listHeaderLength(size);
      cols.headerSize[p] = header.raw.length;
      cols.hasTxs[p] = hasTxs ? 1 : 0;
      hashes.push(header.hash);
      head = header;
    };
    for await (const { block, offset, size } of readChainFile(file, { ...opts.read, ...(opts.signal === undefined ? {} : { signal: opts.signal }) })) {
      if (fileBlocks === 0) {
        const first = block.header;
        if (first.number !== 0n) {
          const g = opts.genesis;
          if (g === undefined) throw new ChainFileError('genesis-mismatch', file, offset, `the file starts at block ${first.number}: the genesis block must be given (from a genesis.json)`);
          if (first.number !== 1n || !equalBytes(first.parentHash, g.header.hash)) throw new ChainFileError('genesis-mismatch', file, offset, `block ${first.number} is not a child of genesis 0x${bytesToHex(g.header.hash)}`);
          memoryGenesis = g;
          index(g.header, g.transactions.length > 0, -1, 0);
        } else if (opts.genesis !== undefined && !equalBytes(first.hash, opts.genesis.header.hash)) {
          throw new ChainFileError('genesis-mismatch', file, offset, `block 0 is 0x${bytesToHex(first.hash)}, expected genesis 0x${bytesToHex(opts.genesis.header.hash)}`);
        }
      }
      index(block.header, block.transactions.length > 0, offset, size);
      fileBlocks++;
    }
    if (fileBlocks === 0) throw new ChainFileError('empty', file, undefined, 'no blocks');
    const genesisHash = hashes.hashAt(0);
    if (opts.genesisHash !== undefined && !equalBytes(genesisHash, opts.genesisHash)) {
      throw new ChainFileError('genesis-mismatch', file, undefined, `genesis is 0x${bytesToHex(genesisHash)}, the network's is 0x${bytesToHex(opts.genesisHash)}`);
    }

    // The index stays in memory while the chain is served: no room left for growth.
    cols.trim(hashes.size);
    hashes.trim();
    const chain = new FileChain(file, opts.receiptsFile, cols, hashes, memoryGenesis);
    chain.fileBlockCount = fileBlocks;
    chain.totalDifficulty = td;
    chain.headHeader = head!;
    chain.chainFd = openSync(file, 'r');
    try {
      if (opts.receiptsFile !== undefined) await chain.indexReceipts(opts.receiptsFile, opts.signal);
    } catch (err) {
      chain.close();
      throw err;
    }
    for (let p = 0; p < hashes.size; p++) if (cols.hasTxs[p] === 1 && cols.receiptsOffset[p]! < 0) chain.withoutReceipts++;
    // Headers read to check receipts are not what peers ask for next.
    chain.headerCache.clear();
    return chain;
  }

  private async indexReceipts(rfile: string, signal: AbortSignal | undefined): Promise<void> {
    for await (const e of readReceiptsFile(rfile, signal === undefined ? {} : { signal })) {
      const p = this.hashes.find(e.blockHash);
      if (p === undefined) throw new ChainFileError('unknown-block', rfile, e.offset, `receipts for block 0x${bytesToHex(e.blockHash)}, which is not in the chain`);
      if (this.cols.receiptsOffset[p]! >= 0) throw new ChainFileError('unknown-block', rfile, e.offset, `second entry for block ${p}`);
      checkReceiptsRoot(this.headerAt(p), e.receipts, rfile, e.offset);
      this.cols.receiptsOffset[p] = e.offset;
      this.cols.receiptsSize[p] = e.size;
      this.loadedReceipts++;
    }
    this.receiptsFd = openSync(rfile, 'r');
  }

  /** Closes the files. Lookups after this throw. */
  close(): void {
    if (this.chainFd !== undefined) closeSync(this.chainFd);
    if (this.receiptsFd !== undefined) closeSync(this.receiptsFd);
    this.chainFd = undefined;
    this.receiptsFd = undefined;
  }

  private fd(which: 'chain' | 'receipts'): number {
    const fd = which === 'chain' ? this.chainFd : this.receiptsFd;
    if (fd === undefined) throw new Error(`FileChain: ${which} file is closed`);
    return fd;
  }

  private headerAt(p: number): BlockHeader {
    if (p === 0 && this.memoryGenesis !== undefined) return this.memoryGenesis.header;
    const cached = this.headerCache.get(p);
    if (cached !== undefined) {
      // Refresh its place in the LRU order.
      this.headerCache.delete(p);
      this.headerCache.set(p, cached);
      return cached;
    }
    const offset = this.cols.blockOffset[p]! + this.cols.headerStart[p]!;
    const header = decodeHeader(readAt(this.fd('chain'), this.chainFile, offset, this.cols.headerSize[p]!));
    if (!equalBytes(header.hash, this.hashes.hashAt(p))) throw new ChainFileError('changed', this.chainFile, offset, 'a header no longer matches the loaded chain');
    this.headerCache.set(p, header);
    if (this.headerCache.size > FILE_CHAIN_HEADER_CACHE) this.headerCache.delete(this.headerCache.keys().next().value!);
    return header;
  }

  /** Position of a block number, or undefined outside the chain. */
  private positionOf(number: bigint): number | undefined {
    return number < 0n || number >= BigInt(this.hashes.size) ? undefined : Number(number);
  }

  head(): ChainHead {
    return this.headHeader;
  }

  earliest(): bigint {
    return 0n;
  }

  headerByNumber(number: bigint): BlockHeader | undefined {
    const p = this.positionOf(number);
    return p === undefined ? undefined : this.headerAt(p);
  }

  headerByHash(hash: Uint8Array): BlockHeader | undefined {
    const p = this.hashes.find(hash);
    return p === undefined ? undefined : this.headerAt(p);
  }

  bodyByHash(hash: Uint8Array): BlockBody | undefined {
    const p = this.hashes.find(hash);
    if (p === undefined) return undefined;
    const b = p === 0 && this.memoryGenesis !== undefined ? this.memoryGenesis : decodeChainFileBlock(readAt(this.fd('chain'), this.chainFile, this.cols.blockOffset[p]!, this.cols.blockSize[p]!));
    return b.withdrawals === undefined ? { transactions: b.transactions, uncles: b.uncles } : { transactions: b.transactions, uncles: b.uncles, withdrawals: b.withdrawals };
  }

  receiptsByHash(hash: Uint8Array): Receipt69[] | undefined {
    const p = this.hashes.find(hash);
    if (p === undefined) return undefined;
    const offset = this.cols.receiptsOffset[p]!;
    if (offset < 0) return this.cols.hasTxs[p] === 1 ? undefined : [];
    return decodeReceiptsEntry(readAt(this.fd('receipts'), this.receiptsFile!, offset, this.cols.receiptsSize[p]!)).receipts;
  }
}
