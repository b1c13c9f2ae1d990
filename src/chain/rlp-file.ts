/**
 * Files made of concatenated top-level RLP lists (geth chain exports, our receipts files):
 * a bounded streaming reader and a buffered writer.
 *
 * The reader never holds the whole file: it reads fixed-size chunks and keeps only the item
 * being assembled, so memory stays within about one item plus one chunk whatever the file
 * size. An item's size comes from its RLP header before its bytes are read, so an oversized
 * item is refused without reading it.
 */
import { open, type FileHandle } from 'node:fs/promises';

/** Bytes read from the file per read call. */
export const RLP_FILE_CHUNK_SIZE = 1024 * 1024;

/** Why a chain or receipts file was refused. */
export type ChainFileFailure =
  /** The file ends inside an item. */
  | 'truncated'
  /** An item is larger than the limit (its header says so; it was not read). */
  | 'oversized'
  /** An item is not well-formed RLP of the expected shape. */
  | 'decode'
  /** A block does not follow the block before it (number or parent hash). */
  | 'linkage'
  /** A block's body does not match its header's transactions, uncles or withdrawals root. */
  | 'body-mismatch'
  /** A block's receipts do not hash to its header's receiptsRoot. */
  | 'receipts-root'
  /** A receipts entry names a block the chain does not have, or repeats one. */
  | 'unknown-block'
  /** The chain's genesis does not match the expected genesis. */
  | 'genesis-mismatch'
  /** The file holds no items. */
  | 'empty'
  /** A file being served no longer holds what was loaded from it. */
  | 'changed';

/** A chain or receipts file that cannot be used; `offset` is the byte offset of the item at fault. */
export class ChainFileError extends Error {
  constructor(
    readonly reason: ChainFileFailure,
    readonly file: string,
    readonly offset: number | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}${offset === undefined ? '' : ` at byte ${offset}`}: ${reason}: ${detail}`, options);
    this.name = 'ChainFileError';
  }
}

/** One top-level item of an RLP file. */
export interface RlpFileItem {
  /** Byte offset of the item in the file. */
  offset: number;
  /** The item's complete encoding (header and payload); a copy the caller may keep. */
  bytes: Uint8Array;
}

export interface RlpFileReadOptions {
  /** Largest item accepted, in bytes (header included). */
  maxItemSize: number;
  /** Stops the read between items; the generator then throws the signal's reason. */
  signal?: AbortSignal;
  /** Bytes per read call (default {@link RLP_FILE_CHUNK_SIZE}); tests use small values. */
  chunkSize?: number;
}

/** Size of a top-level list item from its header, or a failure. `avail` bytes of it are buffered. */
function listItemSize(b: Uint8Array, start: number, avail: number, eof: boolean): { size: number } | { need: true } | { error: ChainFileFailure; detail: string } {
  const first = b[start]!;
  if (first < 0xc0) return { error: 'decode', detail: `expected an RLP list, found a byte string (0x${first.toString(16).padStart(2, '0')})` };
  if (first <= 0xf7) return { size: 1 + (first - 0xc0) };
  const n = first - 0xf7;
  if (avail < 1 + n) return eof ? { error: 'truncated', detail: 'file ends inside an RLP length' } : { need: true };
  if (b[start + 1] === 0) return { error: 'decode', detail: 'non-canonical RLP: length has leading zeros' };
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[start + 1 + i]!;
  if (len < 56) return { error: 'decode', detail: 'non-canonical RLP: long form for a short length' };
  return { size: 1 + n + len };
}

/**
 * Reads the top-level RLP lists of `path` one at a time. Throws {@link ChainFileError}:
 * `oversized` for an item above `maxItemSize`, `truncated` when the file ends inside an item,
 * `decode` for a top-level byte string or a malformed length. Only the item's outer header is
 * checked here; decoding its content is the caller's job.
 */
export async function* readRlpFileItems(path: string, opts: RlpFileReadOptions): AsyncGenerator<RlpFileItem> {
  const chunk = opts.chunkSize ?? RLP_FILE_CHUNK_SIZE;
  const fh: FileHandle = await open(path, 'r');
  try {
    let buf = new Uint8Array(chunk);
    let start = 0; // first unconsumed byte in buf
    let end = 0; // end of buffered bytes
    let fileOffset = 0; // file offset of buf[start]
    let eof = false;

    /** Buffers at least `want` bytes from `start` unless the file ends first. */
    const fill = async (want: number): Promise<void> => {
      while (!eof && end - start < want) {
        if (buf.length - end < chunk) {
          // Move the unconsumed bytes to the front; grow only as far as the item being assembled needs.
          const capacity = Math.max(want, end - start) + chunk;
          if (buf.length >= capacity) buf.copyWithin(0, start, end);
          else {
            const next = new Uint8Array(capacity);
            next.set(buf.subarray(start, end), 0);
            buf = next;
          }
          end -= start;
          start = 0;
        }
        const { bytesRead } = await fh.read(buf, end, chunk, null);
        if (bytesRead === 0) eof = true;
        end += bytesRead;
      }
    };

    for (;;) {
      opts.signal?.throwIfAborted();
      await fill(1);
      if (end === start) return;
      await fill(9); // the longest list header
      const r = listItemSize(buf, start, end - start, eof);
      if ('error' in r) throw new ChainFileError(r.error, path, fileOffset, r.detail);
      if ('need' in r) throw new ChainFileError('truncated', path, fileOffset, 'file ends inside an RLP length');
      if (r.size > opts.maxItemSize) throw new ChainFileError('oversized', path, fileOffset, `item of ${r.size} bytes exceeds the limit of ${opts.maxItemSize}`);
      await fill(r.size);
      if (end - start < r.size) throw new ChainFileError('truncated', path, fileOffset, `file ends ${r.size - (end - start)} bytes before the end of a ${r.size}-byte item`);
      const item = { offset: fileOffset, bytes: buf.slice(start, start + r.size) };
      start += r.size;
      fileOffset += r.size;
      yield item;
    }
  } finally {
    await fh.close();
  }
}

/** Writes encoded items to a file through a buffer, so many small items cost few write calls. */
export class RlpFileWriter {
  private readonly parts: Uint8Array[] = [];
  private buffered = 0;
  /** Bytes written so far (flushed or buffered). */
  bytes = 0;
  /** Items written so far. */
  items = 0;

  private constructor(
    private readonly fh: FileHandle,
    private readonly flushAt: number,
  ) {}

  /** Creates (or truncates) `path`. */
  static async create(path: string, flushAt = RLP_FILE_CHUNK_SIZE): Promise<RlpFileWriter> {
    return new RlpFileWriter(await open(path, 'w'), flushAt);
  }

  /** Appends one complete RLP item. */
  async write(item: Uint8Array): Promise<void> {
    this.parts.push(item);
    this.buffered += item.length;
    this.bytes += item.length;
    this.items++;
    if (this.buffered >= this.flushAt) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const out = Buffer.concat(this.parts, this.buffered);
    this.parts.length = 0;
    this.buffered = 0;
    let off = 0;
    while (off < out.length) off += (await this.fh.write(out, off, out.length - off)).bytesWritten;
  }

  /** Flushes and closes the file (also after a failed write, so the handle never leaks). */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.fh.close();
    }
  }
}
