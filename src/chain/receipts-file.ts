/**
 * Receipts files: the receipts a chain file cannot carry, as concatenated RLP entries
 * `[blockHash, [receipt, ...]]`, one per block, each receipt in the eth/69 form
 * `[type, status-or-post-state, cumulativeGasUsed, [[address, [topics], data], ...]]` (no
 * bloom: it is recomputed from the logs). Blocks may be left out (their receipts are then
 * not served); entries are in chain order when we write them, but any order is read.
 *
 * Whoever loads the file checks each entry against the block's receiptsRoot
 * ({@link checkReceiptsRoot}), so a wrong or tampered file is refused rather than served.
 */
import { bytesToHex, equalBytes } from '../common/bytes.js';
import { DecodeError } from '../common/errors.js';
import { receiptsRoot } from './block-roots.js';
import type { BlockHeader } from './header.js';
import { encodeReceipt69Item, readReceipt69, type Receipt69 } from './receipt.js';
import { encBytes, encList } from '../common/rlp-encode.js';
import { RlpReader } from '../common/rlp-reader.js';
import { ChainFileError, readRlpFileItems, RlpFileWriter } from './rlp-file.js';

/** Largest entry accepted (one block's receipts, RLP bytes). Log data is gas-bound far below it. */
export const MAX_RECEIPTS_ENTRY_SIZE = 16 * 1024 * 1024;

/** One block's receipts. */
export interface ReceiptsEntry {
  blockHash: Uint8Array;
  receipts: Receipt69[];
}

/** Encodes an entry: `[blockHash, [receipt69, ...]]`. */
export function encodeReceiptsEntry(e: ReceiptsEntry): Uint8Array {
  if (e.blockHash.length !== 32) throw new RangeError('block hash must be 32 bytes');
  return encList([encBytes(e.blockHash), encList(e.receipts.map(encodeReceipt69Item))]);
}

/** Decodes an entry. Throws DecodeError. */
export function decodeReceiptsEntry(bytes: Uint8Array): ReceiptsEntry {
  const r = RlpReader.over(bytes, 'receipts file entry');
  const l = r.list('entry');
  const entry = { blockHash: l.hash('blockHash'), receipts: l.list('receipts').map(readReceipt69) };
  l.done();
  r.done();
  return entry;
}

export interface ReceiptsFileReadOptions {
  /** Largest entry accepted (default {@link MAX_RECEIPTS_ENTRY_SIZE}). */
  maxEntrySize?: number;
  signal?: AbortSignal;
  chunkSize?: number;
}

/** A receipts entry with its byte offset in the file. */
export interface ReceiptsFileEntry extends ReceiptsEntry {
  offset: number;
  /** Size of the entry's encoding in the file. */
  size: number;
}

/** Reads the entries of a receipts file. Throws {@link ChainFileError} (`truncated`, `oversized`, `decode`). */
export async function* readReceiptsFile(path: string, opts: ReceiptsFileReadOptions = {}): AsyncGenerator<ReceiptsFileEntry> {
  for await (const item of readRlpFileItems(path, {
    maxItemSize: opts.maxEntrySize ?? MAX_RECEIPTS_ENTRY_SIZE,
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    ...(opts.chunkSize === undefined ? {} : { chunkSize: opts.chunkSize }),
  })) {
    let entry: ReceiptsEntry;
    try {
      entry = decodeReceiptsEntry(item.bytes);
    } catch (err) {
      if (err instanceof DecodeError) throw new ChainFileError('decode', path, item.offset, err.message, { cause: err });
      throw err;
    }
    yield { ...entry, offset: item.offset, size: item.bytes.length };
  }
}

/** Writes entries as a receipts file. Creates or truncates `path`. */
export async function writeReceiptsFile(path: string, entries: Iterable<ReceiptsEntry> | AsyncIterable<ReceiptsEntry>): Promise<{ entries: number; bytes: number }> {
  const w = await RlpFileWriter.create(path);
  try {
    for await (const e of entries) await w.write(encodeReceiptsEntry(e));
  } finally {
    await w.close();
  }
  return { entries: w.items, bytes: w.bytes };
}

/**
 * Throws {@link ChainFileError} `receipts-root` unless `receipts` hash to `header.receiptRoot`
 * (the trie of their consensus encodings, blooms included, so logs are checked too).
 */
export function checkReceiptsRoot(header: BlockHeader, receipts: readonly Receipt69[], file: string, offset?: number): void {
  if (!equalBytes(receiptsRoot(receipts), header.receiptRoot)) {
    throw new ChainFileError('receipts-root', file, offset, `receipts of block ${header.number} (0x${bytesToHex(header.hash)}) do not match its receiptsRoot`);
  }
}
