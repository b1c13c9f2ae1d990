/**
 * An append-only table of headers, shaped like one of geth's freezer tables
 * (`core/rawdb/freezer_table.go`): the items back to back in a data file, and beside it
 * fixed-width files addressed by item position, so any item is found with positioned reads and
 * nothing is held in memory but the item count.
 *
 * - `headers.dat`: the header RLPs, back to back, in the order they were appended;
 * - `headers.idx`: per item, 8 bytes (little-endian): the end offset of the item in `headers.dat`
 *   (its start is the previous item's end, 0 for the first), as geth's index stores end offsets;
 * - `hashes.dat`: per item, its 32-byte hash.
 *
 * Crash safety. An append writes the data and hashes, makes them durable (fdatasync), then
 * writes the index entries and makes those durable: an index entry on disk therefore always
 * points at complete data. A kill -9 leaves at most a torn tail (data without index entries,
 * a partial entry); a power loss may also leave index entries of the last write as zeros. Open
 * cuts both, checking only the tail: the entries of the last write (at most
 * {@link TABLE_WRITE_MAX_ITEMS}) must increase strictly and stay within the data file, and the
 * newest {@link TABLE_VERIFY_ITEMS} items must hash to their recorded hashes. Open time therefore
 * does not depend on the table's length.
 */
import { closeSync, fstatSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { equalBytes } from '../../common/bytes.js';
import { keccak256 } from '../../crypto/keccak.js';
import { datasync, datasyncSync, HeaderStoreError, openReadWrite, readAt, writeAt, writeAtSync } from './files.js';

export const TABLE_DATA_FILE = 'headers.dat';
export const TABLE_INDEX_FILE = 'headers.idx';
export const TABLE_HASHES_FILE = 'hashes.dat';
const ENTRY = 8;
const HASH = 32;
/** Items written (and fsynced) per write: the most the last write before a crash can have torn. */
export const TABLE_WRITE_MAX_ITEMS = 16_384;
/** Newest items whose bytes are hashed again at open. */
export const TABLE_VERIFY_ITEMS = 64;

/** What the table stores of an item. */
export interface TableItem {
  readonly raw: Uint8Array;
  readonly hash: Uint8Array;
}

function getEnd(buf: Uint8Array, i: number): number {
  const v = new DataView(buf.buffer, buf.byteOffset + i * ENTRY, ENTRY);
  return v.getUint32(0, true) + v.getUint32(4, true) * 2 ** 32;
}

function putEnd(buf: Uint8Array, i: number, end: number): void {
  const v = new DataView(buf.buffer, buf.byteOffset + i * ENTRY, ENTRY);
  v.setUint32(0, end >>> 0, true);
  v.setUint32(4, Math.floor(end / 2 ** 32), true);
}

/** The three files of one write, built before any is written. */
interface PreparedWrite {
  data: Uint8Array;
  hashes: Uint8Array;
  index: Uint8Array;
  items: number;
  dataEnd: number;
}

export class HeaderTable {
  private readonly dataFd: number;
  private readonly indexFd: number;
  private readonly hashesFd: number;
  private items = 0;
  private dataEnd = 0;
  private closed = false;
  private readonly dataPath: string;
  private readonly indexPath: string;
  private readonly hashesPath: string;
  /** Bytes cut from the three files at open (a torn or unsynced tail). */
  readonly truncatedBytes: number;

  private constructor(private readonly dir: string) {
    this.dataPath = join(dir, TABLE_DATA_FILE);
    this.indexPath = join(dir, TABLE_INDEX_FILE);
    this.hashesPath = join(dir, TABLE_HASHES_FILE);
    this.dataFd = openReadWrite(this.dataPath);
    this.indexFd = openReadWrite(this.indexPath);
    this.hashesFd = openReadWrite(this.hashesPath);
    try {
      this.truncatedBytes = this.repair();
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** Opens (or creates) the table in `dir`, cutting a torn tail. */
  static open(dir: string): HeaderTable {
    return new HeaderTable(dir);
  }

  /** Number of items. */
  get count(): number {
    return this.items;
  }

  /** Bytes of header data. */
  get dataBytes(): number {
    return this.dataEnd;
  }

  /** Bytes on disk of the three files. */
  get diskBytes(): number {
    return this.dataEnd + this.items * (ENTRY + HASH);
  }

  /** Finds the longest consistent prefix of the files and cuts the rest; returns the bytes cut. */
  private repair(): number {
    const indexSize = fstatSync(this.indexFd).size;
    const hashesSize = fstatSync(this.hashesFd).size;
    const dataSize = fstatSync(this.dataFd).size;
    let count = Math.min(Math.floor(indexSize / ENTRY), Math.floor(hashesSize / HASH));
    // The entries of the last write: each must end after the one before and within the data.
    const window = Math.min(count, TABLE_WRITE_MAX_ITEMS + 1);
    const first = count - window;
    if (window > 0) {
      const entries = readAt(this.indexFd, window * ENTRY, first * ENTRY, this.indexPath);
      let prev = first === 0 ? 0 : -1;
      for (let i = 0; i < window; i++) {
        const end = getEnd(entries, i);
        if (end > dataSize || (prev >= 0 && end <= prev)) {
          count = first + i;
          break;
        }
        prev = end;
      }
    }
    // The newest items must still be what was hashed when they were written.
    const verify = Math.min(count, TABLE_VERIFY_ITEMS);
    for (let p = count - verify; p < count; p++) {
      const raw = this.readUnchecked(p, dataSize);
      if (raw === undefined || !equalBytes(keccak256(raw), readAt(this.hashesFd, HASH, p * HASH, this.hashesPath))) {
        count = p;
        break;
      }
    }
    this.items = count;
    this.dataEnd = count === 0 ? 0 : this.endOf(count - 1);
    const cut = indexSize - count * ENTRY + (hashesSize - count * HASH) + (dataSize - this.dataEnd);
    if (cut > 0) {
      ftruncateSync(this.indexFd, count * ENTRY);
      ftruncateSync(this.hashesFd, count * HASH);
      ftruncateSync(this.dataFd, this.dataEnd);
      datasyncSync(this.indexFd);
      datasyncSync(this.hashesFd);
      datasyncSync(this.dataFd);
    }
    return cut;
  }

  private endOf(p: number): number {
    return getEnd(readAt(this.indexFd, ENTRY, p * ENTRY, this.indexPath), 0);
  }

  /** Item bytes by the index as it is, or undefined if the entries make no sense. */
  private readUnchecked(p: number, dataSize: number): Uint8Array | undefined {
    const entries = p === 0 ? readAt(this.indexFd, ENTRY, 0, this.indexPath) : readAt(this.indexFd, 2 * ENTRY, (p - 1) * ENTRY, this.indexPath);
    const start = p === 0 ? 0 : getEnd(entries, 0);
    const end = getEnd(entries, p === 0 ? 0 : 1);
    if (end <= start || end > dataSize) return undefined;
    return readAt(this.dataFd, end - start, start, this.dataPath);
  }

  private checkOpen(): void {
    if (this.closed) throw new HeaderStoreError(`header table in ${this.dir} is closed`, 'state', this.dir);
  }

  private checkRange(p: number, n: number): void {
    this.checkOpen();
    if (!Number.isInteger(p) || p < 0 || n < 0 || p + n > this.items) throw new RangeError(`items ${p}..${p + n - 1} outside the table (${this.items} items)`);
  }

  /** The bytes of item `p`. */
  read(p: number): Uint8Array {
    return this.readRange(p, 1)[0]!;
  }

  /** The bytes of items `p .. p + n - 1` (one read of the index, one of the data). */
  readRange(p: number, n: number): Uint8Array[] {
    this.checkRange(p, n);
    if (n === 0) return [];
    const from = p === 0 ? 0 : p - 1;
    const entries = readAt(this.indexFd, (p + n - from) * ENTRY, from * ENTRY, this.indexPath);
    const start = p === 0 ? 0 : getEnd(entries, 0);
    const ends: number[] = [];
    for (let i = p === 0 ? 0 : 1; i < p + n - from; i++) ends.push(getEnd(entries, i));
    const data = readAt(this.dataFd, ends[n - 1]! - start, start, this.dataPath);
    const out: Uint8Array[] = [];
    let prev = start;
    for (const end of ends) {
      if (end <= prev) throw new HeaderStoreError(`${this.indexPath}: entries do not increase at item ${p + out.length}`, 'corrupt', this.indexPath);
      // Each item gets its own copy, so a kept header does not pin the whole read.
      out.push(data.slice(prev - start, end - start));
      prev = end;
    }
    return out;
  }

  /** The recorded hash of item `p`. */
  hashAt(p: number): Uint8Array {
    this.checkRange(p, 1);
    return readAt(this.hashesFd, HASH, p * HASH, this.hashesPath);
  }

  /** The recorded hashes of items `p .. p + n - 1`, back to back. */
  hashesAt(p: number, n: number): Uint8Array {
    this.checkRange(p, n);
    return n === 0 ? new Uint8Array(0) : readAt(this.hashesFd, n * HASH, p * HASH, this.hashesPath);
  }

  private prepare(items: readonly TableItem[], from: number, to: number, dataEnd: number): PreparedWrite {
    let size = 0;
    for (let i = from; i < to; i++) size += items[i]!.raw.length;
    const n = to - from;
    const data = new Uint8Array(size);
    const hashes = new Uint8Array(n * HASH);
    const index = new Uint8Array(n * ENTRY);
    let off = 0;
    for (let i = 0; i < n; i++) {
      const it = items[from + i]!;
      if (it.raw.length === 0) throw new RangeError('an item cannot be empty');
      if (it.hash.length !== HASH) throw new RangeError('an item hash is 32 bytes');
      data.set(it.raw, off);
      off += it.raw.length;
      hashes.set(it.hash, i * HASH);
      putEnd(index, i, dataEnd + off);
    }
    return { data, hashes, index, items: n, dataEnd: dataEnd + size };
  }

  /** Appends `items` (written and fsynced before this returns). */
  append(items: readonly TableItem[]): void {
    this.checkOpen();
    for (let from = 0; from < items.length; from += TABLE_WRITE_MAX_ITEMS) {
      const w = this.prepare(items, from, Math.min(items.length, from + TABLE_WRITE_MAX_ITEMS), this.dataEnd);
      writeAtSync(this.dataFd, w.data, this.dataEnd);
      writeAtSync(this.hashesFd, w.hashes, this.items * HASH);
      datasyncSync(this.dataFd);
      datasyncSync(this.hashesFd);
      writeAtSync(this.indexFd, w.index, this.items * ENTRY);
      datasyncSync(this.indexFd);
      this.items += w.items;
      this.dataEnd = w.dataEnd;
    }
  }

  /**
   * {@link append} with the writes and fsyncs on libuv's thread pool. The count moves only once
   * a write's index entries are durable; the caller runs one append at a time.
   */
  async appendAsync(items: readonly TableItem[]): Promise<void> {
    this.checkOpen();
    for (let from = 0; from < items.length; from += TABLE_WRITE_MAX_ITEMS) {
      const w = this.prepare(items, from, Math.min(items.length, from + TABLE_WRITE_MAX_ITEMS), this.dataEnd);
      await Promise.all([writeAt(this.dataFd, w.data, this.dataEnd), writeAt(this.hashesFd, w.hashes, this.items * HASH)]);
      await Promise.all([datasync(this.dataFd), datasync(this.hashesFd)]);
      await writeAt(this.indexFd, w.index, this.items * ENTRY);
      await datasync(this.indexFd);
      this.items += w.items;
      this.dataEnd = w.dataEnd;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of [this.dataFd, this.indexFd, this.hashesFd]) closeSync(fd);
  }
}
