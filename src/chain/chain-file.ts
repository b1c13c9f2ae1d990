/**
 * geth chain files: blocks as concatenated RLP `[header, transactions, uncles, withdrawals?]`,
 * exactly what `geth export` writes (genesis included, from block 0) and `geth import` reads,
 * and what geth's ethtest `chain.rlp` is (that one starts at block 1: its genesis comes from
 * `genesis.json`). A chain file carries no receipts (see `receipts-file.ts`).
 *
 * Reading streams the file (see `rlp-file.ts`), decodes each block strictly, and checks as it
 * goes that every block is the child of the one before it and that its body matches its
 * header (transactions root, uncle hash, withdrawals root), so a served body is always the
 * one the header commits to.
 */
import { equalBytes } from '../common/bytes.js';
import { DecodeError } from '../common/errors.js';
import { keccak256 } from '../crypto/keccak.js';
import { encodeBlockItem, readBlock, type Block } from './block.js';
import { transactionsRoot, withdrawalsRoot } from './block-roots.js';
import { encList } from '../common/rlp-encode.js';
import { RlpReader } from '../common/rlp-reader.js';
import { ChainFileError, readRlpFileItems, RlpFileWriter } from './rlp-file.js';

/** Largest block accepted in a chain file (RLP bytes). geth's blocks are far below it (gas limits bound them). */
export const MAX_CHAIN_FILE_BLOCK_SIZE = 16 * 1024 * 1024;

/** A block read from a chain file, with where it was. */
export interface ChainFileBlock {
  block: Block;
  /** Byte offset of the block in the file. */
  offset: number;
  /** Size of the block's encoding in the file. */
  size: number;
}

export interface ChainFileReadOptions {
  /** Largest block accepted (default {@link MAX_CHAIN_FILE_BLOCK_SIZE}). */
  maxBlockSize?: number;
  /** Check each body against its header (default true). */
  verifyBodies?: boolean;
  /** Stops the read between blocks. */
  signal?: AbortSignal;
  /** Bytes per read call (tests use small values to cross chunk boundaries). */
  chunkSize?: number;
}

/** Returns why `block`'s body does not match its header, or undefined if it does. */
export function bodyMismatch(block: Block): string | undefined {
  const h = block.header;
  if (!equalBytes(transactionsRoot(block.transactions), h.txRoot)) return 'transactions do not match the header transactionsRoot';
  if (!equalBytes(keccak256(encList(block.uncles.map((u) => u.raw))), h.uncleHash)) return 'uncles do not match the header uncle hash';
  if ((block.withdrawals === undefined) !== (h.withdrawalsRoot === undefined)) {
    return h.withdrawalsRoot === undefined ? 'withdrawals in a block whose header has no withdrawalsRoot' : 'no withdrawals list in a block whose header has a withdrawalsRoot';
  }
  if (block.withdrawals !== undefined && !equalBytes(withdrawalsRoot(block.withdrawals), h.withdrawalsRoot!)) return 'withdrawals do not match the header withdrawalsRoot';
  return undefined;
}

/** Decodes one chain file item (a block). Throws DecodeError. */
export function decodeChainFileBlock(bytes: Uint8Array): Block {
  const r = RlpReader.over(bytes, 'chain file block');
  const block = readBlock(r, 'block');
  r.done();
  return block;
}

/**
 * Reads the blocks of a chain file in order. The first block may have any number (geth
 * exports start at 0, ethtest's chain.rlp at 1); each later block must be its predecessor's
 * child. Throws {@link ChainFileError} (`truncated`, `oversized`, `decode`, `linkage`,
 * `body-mismatch`) naming the byte offset of the block at fault.
 */
export async function* readChainFile(path: string, opts: ChainFileReadOptions = {}): AsyncGenerator<ChainFileBlock> {
  const verify = opts.verifyBodies ?? true;
  let prev: Block | undefined;
  for await (const item of readRlpFileItems(path, {
    maxItemSize: opts.maxBlockSize ?? MAX_CHAIN_FILE_BLOCK_SIZE,
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    ...(opts.chunkSize === undefined ? {} : { chunkSize: opts.chunkSize }),
  })) {
    let block: Block;
    try {
      block = decodeChainFileBlock(item.bytes);
    } catch (err) {
      if (err instanceof DecodeError || err instanceof RangeError) throw new ChainFileError('decode', path, item.offset, err.message, { cause: err });
      throw err;
    }
    const n = block.header.number;
    if (prev !== undefined) {
      if (n !== prev.header.number + 1n) throw new ChainFileError('linkage', path, item.offset, `block ${n} follows block ${prev.header.number}`);
      if (!equalBytes(block.header.parentHash, prev.header.hash)) throw new ChainFileError('linkage', path, item.offset, `block ${n} parent hash is not the hash of block ${prev.header.number}`);
    }
    if (verify) {
      const why = bodyMismatch(block);
      if (why !== undefined) throw new ChainFileError('body-mismatch', path, item.offset, `block ${n}: ${why}`);
    }
    prev = block;
    yield { block, offset: item.offset, size: item.bytes.length };
  }
}

/** What {@link writeChainFile} wrote. */
export interface ChainFileWriteResult {
  blocks: number;
  bytes: number;
}

/** Writes blocks as a geth chain file (what `geth import` reads). Creates or truncates `path`. */
export async function writeChainFile(path: string, blocks: Iterable<Block> | AsyncIterable<Block>): Promise<ChainFileWriteResult> {
  const w = await RlpFileWriter.create(path);
  try {
    for await (const b of blocks) await w.write(encodeBlockItem(b));
  } finally {
    await w.close();
  }
  return { blocks: w.items, bytes: w.bytes };
}
