/**
 * Block hash -> table position, on disk, for stores too big to keep every hash in memory.
 *
 * A log-structured index (the "logarithmic method"): the newest positions sit in a small
 * in-memory buffer ({@link HASH_INDEX_BUFFER} entries, with their hashes); when it fills, it is
 * sorted and merged with the level files it would collide with into one new level file, as a
 * binary counter carries, so there are at most log2(n / buffer) level files. A level file holds
 * 8-byte entries (the hash's first 4 bytes, then the position; little-endian) sorted by prefix;
 * beside it a fence file holds the prefix of every {@link HASH_INDEX_PAGE}-th entry, so a lookup
 * reads one page of each level. Block hashes are uniformly random, so 4 bytes of prefix pick a
 * position and the caller confirms it against the full hash stored at that position (the table's
 * hash file): an entry never has to be trusted, and entries for positions cut off after a
 * crash simply fail that check.
 *
 * `hash-index.json` lists the level files and how many table positions they cover; it is
 * replaced atomically after a merged file is durable, and files it does not list (a merge cut
 * short) are deleted at open. The positions after those covered are read back from the table's
 * hash file into the buffer at open: at most a buffer and one table write, whatever the
 * table's length.
 *
 * Over 400 lines on purpose: the buffer, the level files, their merge and the lookup share
 * one on-disk format defined here.
 */
import { closeSync, existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { datasync, datasyncSync, HeaderStoreError, openReadWrite, readAt, writeAtSync, writeFileAtomic } from './files.js';

/** Positions kept in memory before they are merged into a level file (2 MiB of hashes). */
export const HASH_INDEX_BUFFER = 65_536;
/** Entries per page of a level file: one fence per page, one page read per level and lookup. */
export const HASH_INDEX_PAGE = 512;
/** Entries read or written per block while merging (the event loop gets a turn between blocks). */
const MERGE_BLOCK = 65_536;
/** Room in the buffer: a full buffer plus more than one table write (merges happen between writes). */
const BUFFER_CAPACITY = 2 * HASH_INDEX_BUFFER;
const ENTRY = 8;
const MANIFEST = 'hash-index.json';
const FILE_PREFIX = 'hash-';
const LEVEL_FILE = /^hash-\d+\.(idx|fence)$/;
const FORMAT = 1;

/** A merge step: the async driver yields to the event loop, or fsyncs `fd` off the loop. */
export type IndexStep = { fsync?: number } | undefined;

interface Level {
  file: string;
  path: string;
  count: number;
  fd: number;
  fences?: Uint32Array;
}

interface Manifest {
  format: number;
  covered: number;
  nextFile: number;
  levels: ({ file: string; count: number } | null)[];
}

/** The first 4 bytes of a hash, big-endian, as an unsigned integer. */
function prefixOf(hash: Uint8Array): number {
  return ((hash[0]! << 24) | (hash[1]! << 16) | (hash[2]! << 8) | hash[3]!) >>> 0;
}

/** The unflushed positions: hashes in order and an open-addressing table over their prefixes. */
class PendingHashes {
  readonly hashes: Uint8Array;
  readonly slots: Int32Array;
  count = 0;

  constructor(readonly base: number, readonly capacity: number) {
    this.hashes = new Uint8Array(capacity * 32);
    // Load factor at most 1/2.
    let size = 1;
    while (size < capacity * 2) size *= 2;
    this.slots = new Int32Array(size);
  }

  add(hash: Uint8Array): void {
    this.addAt(hash, 0);
  }

  /** Adds the 32 bytes of `src` at `off` (no view allocated: open adds a buffer's worth). */
  addAt(src: Uint8Array, off: number): void {
    const i = this.count++;
    const h = this.hashes;
    const at = i * 32;
    for (let k = 0; k < 32; k++) h[at + k] = src[off + k]!;
    const mask = this.slots.length - 1;
    let s = (((h[at]! << 24) | (h[at + 1]! << 16) | (h[at + 2]! << 8) | h[at + 3]!) >>> 0) & mask;
    while (this.slots[s] !== 0) s = (s + 1) & mask;
    this.slots[s] = i + 1;
  }

  find(hash: Uint8Array): number | undefined {
    const mask = this.slots.length - 1;
    for (let s = prefixOf(hash) & mask; ; s = (s + 1) & mask) {
      const v = this.slots[s]!;
      if (v === 0) return undefined;
      const i = v - 1;
      let same = true;
      for (let k = 0; k < 32 && same; k++) same = this.hashes[i * 32 + k] === hash[k];
      if (same) return this.base + i;
    }
  }

  /** Entries sorted by (prefix, position), interleaved [prefix, position, ...]. */
  sorted(): Uint32Array {
    // prefix * 2^21 + offset stays below 2^53, so one float sort orders both.
    const keys = new Float64Array(this.count);
    for (let i = 0; i < this.count; i++) keys[i] = prefixOf(this.hashes.subarray(i * 32, i * 32 + 4)) * 2 ** 21 + i;
    keys.sort();
    const out = new Uint32Array(this.count * 2);
    for (let i = 0; i < this.count; i++) {
      const k = keys[i]!;
      const off = k % 2 ** 21;
      out[2 * i] = (k - off) / 2 ** 21;
      out[2 * i + 1] = this.base + off;
    }
    return out;
  }
}

/** Reads entries of a level file (or the sorted buffer) in order, a block at a time. */
class Cursor {
  private block: DataView = new DataView(new ArrayBuffer(0));
  private blockStart = 0;
  private blockLen = 0;
  private next = 0;
  prefix = 0;
  position = 0;
  done = false;

  constructor(
    private readonly count: number,
    private readonly fill: (from: number, n: number) => DataView,
  ) {
    this.advance();
  }

  advance(): void {
    if (this.next >= this.count) {
      this.done = true;
      return;
    }
    if (this.next >= this.blockStart + this.blockLen) {
      this.blockStart = this.next;
      this.blockLen = Math.min(MERGE_BLOCK, this.count - this.next);
      this.block = this.fill(this.blockStart, this.blockLen);
    }
    const o = (this.next - this.blockStart) * ENTRY;
    this.prefix = this.block.getUint32(o, true);
    this.position = this.block.getUint32(o + 4, true);
    this.next++;
  }
}

export class HashIndex {
  private levels: (Level | undefined)[] = [];
  private buffer: PendingHashes;
  /** The buffer being merged into a level file (still searched meanwhile). */
  private merging: PendingHashes | undefined;
  private nextFile: number;
  private closed = false;

  private constructor(
    private readonly dir: string,
    manifest: Manifest,
    tableCount: number,
    readHashes: (from: number, n: number) => Uint8Array,
  ) {
    this.nextFile = manifest.nextFile;
    for (const l of manifest.levels) {
      this.levels.push(l === null ? undefined : { file: l.file, path: join(dir, l.file), count: l.count, fd: openReadWrite(join(dir, l.file)) });
    }
    this.buffer = new PendingHashes(Math.min(manifest.covered, tableCount), BUFFER_CAPACITY);
    // Positions written after the last merge (normally less than a buffer and one table write;
    // all of them if the manifest was lost, merged as they fill the buffer).
    for (let from = this.buffer.base; from < tableCount; ) {
      const n = Math.min(BUFFER_CAPACITY - this.buffer.count, tableCount - from);
      const hashes = readHashes(from, n);
      for (let i = 0; i < n; i++) this.buffer.addAt(hashes, i * 32);
      from += n;
      if (this.needsMerge) runSync(this.merge());
    }
  }

  /**
   * Opens the index in `dir` for a table of `tableCount` positions; `readHashes` reads the
   * table's recorded hashes (for the positions not yet in a level file).
   */
  static open(dir: string, tableCount: number, readHashes: (from: number, n: number) => Uint8Array): HashIndex {
    const path = join(dir, MANIFEST);
    let manifest: Manifest = { format: FORMAT, covered: 0, nextFile: 0, levels: [] };
    if (existsSync(path)) {
      try {
        manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
      } catch (err) {
        throw new HeaderStoreError(`${path} is not valid JSON`, 'corrupt', path, { cause: err });
      }
      if (manifest.format !== FORMAT) throw new HeaderStoreError(`${path} has format ${manifest.format}, this version reads ${FORMAT}`, 'format', path);
    }
    const listed = new Set(manifest.levels.flatMap((l) => (l === null ? [] : [l.file, fenceName(l.file)])));
    // Files of a merge that did not finish.
    for (const f of readdirSync(dir)) if (LEVEL_FILE.test(f) && !listed.has(f)) unlinkSync(join(dir, f));
    return new HashIndex(dir, manifest, tableCount, readHashes);
  }

  /** Positions in memory (not yet in a level file). */
  get buffered(): number {
    return this.buffer.count;
  }

  /** Level files. */
  get levelFiles(): number {
    return this.levels.filter((l) => l !== undefined).length;
  }

  /** The next position to insert. */
  get end(): number {
    return this.buffer.base + this.buffer.count;
  }

  /** Adds the hash of the next position (positions are inserted in order). */
  insert(hash: Uint8Array): void {
    if (this.merging !== undefined) throw new HeaderStoreError('hash index: insert during a merge', 'state', this.dir);
    if (this.buffer.count === this.buffer.capacity) throw new HeaderStoreError('hash index: buffer full (merge first)', 'state', this.dir);
    // Entries keep positions in 32 bits: four billion headers, about 170 times mainnet's.
    if (this.end >= 2 ** 32) throw new HeaderStoreError('hash index: more than 2^32 positions', 'state', this.dir);
    this.buffer.add(hash);
  }

  /** Whether the buffer should be merged into a level file. */
  get needsMerge(): boolean {
    return this.buffer.count >= HASH_INDEX_BUFFER;
  }

  /**
   * Positions whose hash starts like `hash`, newest first, for which `confirm` holds (the caller
   * compares the full hash at that position); the first confirmed one is returned.
   */
  find(hash: Uint8Array, confirm: (position: number) => boolean): number | undefined {
    const inBuffer = this.buffer.find(hash) ?? this.merging?.find(hash);
    if (inBuffer !== undefined && confirm(inBuffer)) return inBuffer;
    const prefix = prefixOf(hash);
    for (const level of this.levels) {
      if (level === undefined) continue;
      for (const p of this.candidates(level, prefix)) if (confirm(p)) return p;
    }
    return undefined;
  }

  private fences(level: Level): Uint32Array {
    if (level.fences === undefined) {
      const pages = Math.ceil(level.count / HASH_INDEX_PAGE);
      const path = join(this.dir, fenceName(level.file));
      const fd = openReadWrite(path);
      try {
        const bytes = readAt(fd, pages * 4, 0, path);
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        level.fences = new Uint32Array(pages);
        for (let i = 0; i < pages; i++) level.fences[i] = view.getUint32(i * 4, true);
      } finally {
        closeSync(fd);
      }
    }
    return level.fences;
  }

  /** Positions in `level` whose entry has `prefix`. */
  private candidates(level: Level, prefix: number): number[] {
    const fences = this.fences(level);
    if (fences.length === 0 || fences[0]! > prefix) return [];
    // Pages from the last one starting below the prefix to the last one starting at or below it.
    let lo = 0;
    let hi = fences.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (fences[mid]! <= prefix) lo = mid;
      else hi = mid - 1;
    }
    const lastPage = lo;
    let firstPage = lastPage;
    while (firstPage > 0 && fences[firstPage]! === prefix) firstPage--;
    const from = firstPage * HASH_INDEX_PAGE;
    const n = Math.min(level.count, (lastPage + 1) * HASH_INDEX_PAGE) - from;
    const bytes = readAt(level.fd, n * ENTRY, from * ENTRY, level.path);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = view.getUint32(i * ENTRY, true);
      if (p === prefix) out.push(view.getUint32(i * ENTRY + 4, true));
      else if (p > prefix) break;
    }
    return out.reverse();
  }

  /**
   * Merges the buffer into a level file: yields between blocks (and asks for the new file's
   * fsync), then installs the file atomically and deletes the files it replaced.
   */
  *merge(): Generator<IndexStep, void, void> {
    if (this.merging !== undefined || this.buffer.count === 0) return;
    const buf = this.buffer;
    this.merging = buf;
    this.buffer = new PendingHashes(buf.base + buf.count, buf.capacity);
    let k = 0;
    while (this.levels[k] !== undefined) k++;
    const inputs = this.levels.slice(0, k) as Level[];
    const sorted = buf.sorted();
    const cursors = [
      new Cursor(buf.count, (from, n) => new DataView(littleEndian(sorted.subarray(from * 2, (from + n) * 2)))),
      ...inputs.map((l) => new Cursor(l.count, (from, n) => {
        const b = readAt(l.fd, n * ENTRY, from * ENTRY, l.path);
        return new DataView(b.buffer, b.byteOffset, b.byteLength);
      })),
    ];
    const total = buf.count + inputs.reduce((n, l) => n + l.count, 0);
    const file = `${FILE_PREFIX}${this.nextFile++}.idx`;
    const fd = openReadWrite(join(this.dir, file));
    const fences = new Uint8Array(Math.ceil(total / HASH_INDEX_PAGE) * 4);
    const fenceView = new DataView(fences.buffer);
    let out = new Uint8Array(MERGE_BLOCK * ENTRY);
    let outView = new DataView(out.buffer);
    let inBlock = 0;
    let written = 0;
    try {
      for (;;) {
        let best: Cursor | undefined;
        for (const c of cursors) {
          if (c.done) continue;
          if (best === undefined || c.prefix < best.prefix || (c.prefix === best.prefix && c.position < best.position)) best = c;
        }
        if (best === undefined) break;
        if ((written + inBlock) % HASH_INDEX_PAGE === 0) fenceView.setUint32(((written + inBlock) / HASH_INDEX_PAGE) * 4, best.prefix, true);
        outView.setUint32(inBlock * ENTRY, best.prefix, true);
        outView.setUint32(inBlock * ENTRY + 4, best.position, true);
        inBlock++;
        best.advance();
        if (inBlock === MERGE_BLOCK) {
          writeAtSync(fd, out, written * ENTRY);
          written += inBlock;
          inBlock = 0;
          yield undefined;
        }
      }
      if (inBlock > 0) writeAtSync(fd, out.subarray(0, inBlock * ENTRY), written * ENTRY);
      written += inBlock;
      out = new Uint8Array(0);
      outView = new DataView(out.buffer);
      yield { fsync: fd };
      const fenceFd = openReadWrite(join(this.dir, fenceName(file)));
      try {
        writeAtSync(fenceFd, fences, 0);
        datasyncSync(fenceFd);
      } finally {
        closeSync(fenceFd);
      }
    } catch (err) {
      closeSync(fd);
      this.buffer = mergeBack(buf, this.buffer);
      this.merging = undefined;
      throw err;
    }
    const levels = this.levels.slice();
    for (let i = 0; i < k; i++) levels[i] = undefined;
    levels[k] = { file, path: join(this.dir, file), count: written, fd };
    const manifest: Manifest = {
      format: FORMAT,
      covered: this.buffer.base,
      nextFile: this.nextFile,
      levels: levels.map((l) => (l === undefined ? null : { file: l.file, count: l.count })),
    };
    writeFileAtomic(join(this.dir, MANIFEST), JSON.stringify(manifest));
    this.levels = levels;
    this.merging = undefined;
    for (const l of inputs) {
      closeSync(l.fd);
      unlinkSync(join(this.dir, l.file));
      unlinkSync(join(this.dir, fenceName(l.file)));
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.levels) if (l !== undefined) closeSync(l.fd);
  }
}

/** Runs merge steps to completion on this thread. */
export function runSync(steps: Generator<IndexStep, void, void>): void {
  for (const step of steps) if (step?.fsync !== undefined) datasyncSync(step.fsync);
}

/** Runs merge steps, giving the event loop a turn between blocks and fsyncing on the thread pool. */
export async function runAsync(steps: Generator<IndexStep, void, void>): Promise<void> {
  for (const step of steps) {
    if (step?.fsync !== undefined) await datasync(step.fsync);
    else await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function fenceName(file: string): string {
  return file.replace(/\.idx$/, '.fence');
}

/** The bytes of interleaved [prefix, position] pairs as little-endian entries. */
function littleEndian(pairs: Uint32Array): ArrayBuffer {
  const out = new DataView(new ArrayBuffer(pairs.length * 4));
  for (let i = 0; i < pairs.length; i++) out.setUint32(i * 4, pairs[i]!, true);
  return out.buffer;
}

/** After a failed merge: the merged buffer's entries back in front of anything added since. */
function mergeBack(old: PendingHashes, added: PendingHashes): PendingHashes {
  const b = new PendingHashes(old.base, old.capacity);
  for (let i = 0; i < old.count; i++) b.add(old.hashes.subarray(i * 32, i * 32 + 32));
  for (let i = 0; i < added.count; i++) b.add(added.hashes.subarray(i * 32, i * 32 + 32));
  return b;
}
