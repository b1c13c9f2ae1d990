/**
 * A crash-safe header store whose memory does not grow with the chain, shaped like geth's
 * freezer: the verified headers in an append-only table (data file, fixed-width index of end
 * offsets, fixed-width hash file; `headers/header-table.ts`), the block number of every table
 * position in a few run records (`headers/runs.ts`), a hash -> position index on disk
 * (`headers/hash-index.ts`), and the sync target in `target.json`. All of it lives in
 * `<datadir>/headers/`.
 *
 * Header sync verifies top-down from a trusted head, so the store takes verified chunks that
 * extend the chain downwards from the target (the first one being the target itself). The view
 * it serves, from the target down to `lowest`, is the chain of links through the stored runs;
 * it is rebuilt at open from the target, the runs and the hash index (a few reads per run), so
 * open time does not depend on the chain's length. Headers stored by an earlier sync below the
 * chunks just written join the view as soon as they link (a resumed sync to a newer head stops
 * where the old one started).
 *
 * Crash safety: a chunk is durable before the view moves; open cuts a torn tail, so a kill -9
 * loses at most the chunk being written and never leaves a wrong header in the view.
 *
 * Memory: the view (one entry per run it crosses), the index's buffer of recent hashes
 * ({@link HASH_INDEX_BUFFER}) and a cache of recently read headers ({@link HEADER_CACHE_SIZE});
 * lookups are positioned reads.
 *
 * A data directory of the first format (`headers.log`, read whole into memory) is converted
 * once at open.
 *
 * Over 400 lines on purpose: the store's files are in their own modules (header-table, runs,
 * hash-index, files, legacy-store); this one is the crash-safe protocol that ties them together
 * (open, recovery, append, view), which reads best in one place.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex, equalBytes } from '../../common/bytes.js';
import { decodeHeader, type BlockHeader } from '../../chain/header.js';
import type { HeaderRecord } from '../../chain/header-record.js';
import { datasync, datasyncSync, fsyncDir, HeaderStoreError, writeFileAtomic } from './files.js';
import { HashIndex, type IndexStep } from './hash-index.js';
import { HeaderTable, TABLE_WRITE_MAX_ITEMS, type TableItem } from './header-table.js';
import { hasLegacyStore, LEGACY_LOG, LEGACY_TARGET, LegacyStore, parseTarget } from './legacy-store.js';
import { Runs, type Run } from './runs.js';

export { HeaderStoreError } from './files.js';
export { HASH_INDEX_BUFFER } from './hash-index.js';

/** Decoded headers kept for repeated reads (a header request asks for up to 1024). */
export const HEADER_CACHE_SIZE = 4096;
/** The store's folder inside the data directory. */
export const STORE_DIR = 'headers';
const FORMAT_FILE = 'store.json';
const FORMAT_NAME = 'devp2p-ts header store';
/** The format this code writes and reads (1 was `headers.log`, converted at open). */
export const STORE_FORMAT = 2;
const TARGET = 'target.json';
/** Headers per append while converting a first-format store. */
const MIGRATION_CHUNK = 8192;

export interface SyncTarget {
  number: bigint;
  hash: Uint8Array;
}

/** Sizes, for benchmarks and operators. */
export interface HeaderStoreStats {
  /** Headers stored (in the view or not). */
  headers: number;
  /** Bytes of the table's three files. */
  tableBytes: number;
  runs: number;
  indexLevels: number;
  indexBuffered: number;
  /** Decoded headers in the cache (at most {@link HEADER_CACHE_SIZE}). */
  cachedHeaders: number;
}

/** Numbers `lo .. hi` of the view, held by `run`. */
interface Piece {
  hi: number;
  lo: number;
  run: Run;
}

/** A step of an append: write these items to the table, or a hash-index merge step. */
type AppendStep = { write: TableItem[] } | IndexStep;

function toNumber(n: bigint): number {
  if (n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`block number ${n} is out of the store's range`);
  return Number(n);
}

export class HeaderStore {
  private readonly table: HeaderTable;
  private readonly runs: Runs;
  private readonly index: HashIndex;
  private targetValue?: SyncTarget;
  /** The view from the target down, highest piece first. */
  private pieces: Piece[] = [];
  private lowestHeader?: HeaderRecord;
  private readonly cache = new Map<number, BlockHeader>();
  /** An {@link appendAsync} is writing (the view must not move under it). */
  private writing = false;
  private closed = false;

  private constructor(
    /** The store's folder (`<datadir>/headers`). */
    readonly dir: string,
  ) {
    this.table = HeaderTable.open(dir);
    try {
      this.runs = Runs.open(dir, this.table.count);
      try {
        this.index = HashIndex.open(dir, this.table.count, (from, n) => this.table.hashesAt(from, n));
      } catch (err) {
        this.runs.close();
        throw err;
      }
    } catch (err) {
      this.table.close();
      throw err;
    }
    try {
      const tpath = join(dir, TARGET);
      if (existsSync(tpath)) {
        this.targetValue = parseTarget(readFileSync(tpath, 'utf8'), tpath);
        this.rebuildView();
      }
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /**
   * Opens (or creates) the store of the data directory `datadir`. A first-format store found
   * there is converted once; a store of an unknown format is refused with
   * {@link HeaderStoreError} `format`.
   */
  static open(datadir: string): HeaderStore {
    mkdirSync(datadir, { recursive: true });
    const dir = join(datadir, STORE_DIR);
    const format = join(dir, FORMAT_FILE);
    if (!existsSync(format)) {
      if (hasLegacyStore(datadir)) migrate(datadir, dir, (folder) => new HeaderStore(folder));
      else {
        mkdirSync(dir, { recursive: true });
        writeFileAtomic(format, JSON.stringify({ format: FORMAT_NAME, version: STORE_FORMAT }) + '\n');
      }
    }
    checkFormat(format, datadir);
    // A conversion that stopped after installing the new store but before removing the old files.
    removeLegacyFiles(datadir);
    return new HeaderStore(dir);
  }

  /** Bytes cut from the files at open (the torn tail of a write that was killed). */
  get truncatedBytes(): number {
    return this.table.truncatedBytes;
  }

  get target(): SyncTarget | undefined {
    return this.targetValue;
  }

  /** Lowest header number of the verified chain ending at the target (undefined if none yet). */
  get lowest(): bigint | undefined {
    return this.lowestHeader?.number;
  }

  /** The lowest header of the verified chain ending at the target, as stored (undefined if none yet). */
  get lowestRecord(): HeaderRecord | undefined {
    return this.lowestHeader;
  }

  /** Headers stored (in the view or not). */
  get size(): number {
    return this.table.count;
  }

  stats(): HeaderStoreStats {
    return { headers: this.table.count, tableBytes: this.table.diskBytes, runs: this.runs.all.length, indexLevels: this.index.levelFiles, indexBuffered: this.index.buffered, cachedHeaders: this.cache.size };
  }

  private checkOpen(): void {
    if (this.closed) throw new HeaderStoreError(`header store ${this.dir} is closed`, 'state', this.dir);
  }

  /** The header of the view (target down to lowest) at `number`. */
  get(number: bigint): BlockHeader | undefined {
    this.checkOpen();
    if (number < 0n || number > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    const n = Number(number);
    const cached = this.cache.get(n);
    if (cached !== undefined) {
      this.cache.delete(n);
      this.cache.set(n, cached);
      return cached;
    }
    const piece = this.pieces.find((p) => n <= p.hi && n >= p.lo);
    if (piece === undefined) return undefined;
    const h = this.readAt(piece.run.start + (piece.run.top - n));
    this.cache.set(n, h);
    if (this.cache.size > HEADER_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return h;
  }

  /** Any stored header by hash (in the view or not). */
  getByHash(hash: Uint8Array): BlockHeader | undefined {
    this.checkOpen();
    if (hash.length !== 32) return undefined;
    const p = this.positionOf(hash);
    return p === undefined ? undefined : this.readAt(p);
  }

  /** The table position holding `hash`, confirmed against the table's recorded hash. */
  private positionOf(hash: Uint8Array): number | undefined {
    return this.index.find(hash, (p) => p < this.table.count && equalBytes(this.table.hashAt(p), hash));
  }

  /** Reads and checks the header at table position `p`. */
  private readAt(p: number): BlockHeader {
    const h = decodeHeader(this.table.read(p));
    const number = this.runs.numberAt(p);
    if (!equalBytes(h.hash, this.table.hashAt(p)) || number === undefined || h.number !== BigInt(number)) {
      throw new HeaderStoreError(`header at position ${p} of ${this.dir} is not the one recorded there`, 'corrupt', this.dir);
    }
    return h;
  }

  /** Number of the lowest header of a run. */
  private static runBottom(run: Run): number {
    return run.top - (run.end - 1 - run.start);
  }

  /** Recomputes the view from the target. */
  private rebuildView(): void {
    this.pieces = [];
    this.lowestHeader = undefined;
    this.cache.clear();
    const t = this.targetValue;
    if (t === undefined) return;
    const p = this.positionOf(t.hash);
    if (p === undefined || this.runs.numberAt(p) !== toNumber(t.number)) return;
    this.extendViewFrom(p);
  }

  /**
   * The view continues at table position `p` (the target, or the parent of the view's lowest
   * header): down its run, then through every stored header that links below.
   */
  private extendViewFrom(p: number): void {
    for (;;) {
      const run = this.runs.runAt(p)!;
      const hi = run.top - (p - run.start);
      const lo = HeaderStore.runBottom(run);
      this.pieces.push({ hi, lo, run });
      this.lowestHeader = this.readAt(run.end - 1);
      if (lo === 0) return;
      const q = this.positionOf(this.lowestHeader.parentHash);
      if (q === undefined || this.runs.numberAt(q) !== lo - 1) return;
      p = q;
    }
  }

  /** Sets a new sync target (written atomically). The view becomes the chain below it. */
  setTarget(t: SyncTarget): void {
    this.checkOpen();
    if (this.writing) throw new HeaderStoreError('an append is in progress', 'state', this.dir);
    toNumber(t.number);
    if (this.targetValue && this.targetValue.number === t.number && equalBytes(this.targetValue.hash, t.hash)) return;
    writeFileAtomic(join(this.dir, TARGET), JSON.stringify({ number: t.number.toString(), hash: bytesToHex(t.hash) }));
    this.targetValue = { number: t.number, hash: t.hash.slice() };
    this.rebuildView();
  }

  /**
   * Appends a verified chunk (ascending): it must link to the current lowest header (or end at
   * the target when nothing is stored yet). Written and fsynced before the view moves.
   */
  append(headers: readonly HeaderRecord[]): void {
    for (const step of this.appendSteps(headers)) {
      if (step === undefined) continue;
      if ('write' in step) this.table.append(step.write);
      else if (step.fsync !== undefined) datasyncSync(step.fsync);
    }
  }

  /**
   * {@link append} with the writes and fsyncs on libuv's thread pool (and index merges in
   * blocks), so the event loop keeps serving the network meanwhile. One at a time: the chunk is
   * checked against the chain as it is when the call starts, and the view moves only once the
   * data is on disk.
   */
  async appendAsync(headers: readonly HeaderRecord[]): Promise<void> {
    const steps = this.appendSteps(headers);
    // The checks run before the first step, synchronously: a refused chunk throws here.
    let next = steps.next();
    if (next.done) return;
    this.writing = true;
    try {
      while (!next.done) {
        const step = next.value;
        if (step !== undefined && 'write' in step) await this.table.appendAsync(step.write);
        else if (step?.fsync !== undefined) await datasync(step.fsync);
        else await new Promise<void>((resolve) => setImmediate(resolve));
        next = steps.next();
      }
    } finally {
      this.writing = false;
    }
  }

  /** Checks a chunk, then yields its writes and moves the view after each one. */
  private *appendSteps(headers: readonly HeaderRecord[]): Generator<AppendStep, void, void> {
    this.checkOpen();
    if (headers.length === 0) return;
    if (this.writing) throw new HeaderStoreError('an append is already in progress', 'state', this.dir);
    const t = this.targetValue;
    if (!t) throw new HeaderStoreError('no sync target set', 'state', this.dir);
    const top = headers[headers.length - 1]!;
    if (this.lowestHeader === undefined) {
      if (top.number !== t.number || !equalBytes(top.hash, t.hash)) throw new HeaderStoreError('first chunk must end at the target', 'chain', this.dir);
    } else if (top.number !== this.lowestHeader.number - 1n || !equalBytes(top.hash, this.lowestHeader.parentHash)) {
      throw new HeaderStoreError('chunk does not link to the verified chain', 'chain', this.dir);
    }
    for (let i = 1; i < headers.length; i++) {
      if (headers[i]!.number !== headers[i - 1]!.number + 1n || !equalBytes(headers[i]!.parentHash, headers[i - 1]!.hash)) throw new HeaderStoreError('chunk is not a chain', 'chain', this.dir);
    }
    toNumber(top.number);
    // Top-down, as the table stores a run.
    const down = headers.slice().reverse();
    let i = 0;
    while (i < down.length) {
      const lowest = this.lowestHeader;
      // A header the view reached through older runs while this chunk was written is already there.
      if (lowest !== undefined && down[i]!.number >= lowest.number) {
        i++;
        continue;
      }
      if (lowest !== undefined && !equalBytes(down[i]!.hash, lowest.parentHash)) throw new HeaderStoreError(`header ${down[i]!.number} does not link to the stored chain below the chunk`, 'corrupt', this.dir);
      const end = this.firstStored(down, i);
      for (let from = i; from < end; from += TABLE_WRITE_MAX_ITEMS) {
        const part = down.slice(from, Math.min(end, from + TABLE_WRITE_MAX_ITEMS));
        const continues = this.continuesTail();
        const run = continues ? this.runs.last! : this.runs.begin(this.table.count, Number(part[0]!.number));
        yield { write: part };
        this.runs.grow(this.table.count);
        for (const h of part) this.index.insert(h.hash);
        if (continues) this.pieces[this.pieces.length - 1]!.lo = HeaderStore.runBottom(run);
        else this.pieces.push({ hi: run.top, lo: HeaderStore.runBottom(run), run });
        this.lowestHeader = part[part.length - 1]!;
        if (this.index.needsMerge) yield* this.index.merge();
      }
      i = end;
      // Headers stored earlier may link below what was just written.
      const low = this.lowestHeader!;
      if (low.number > 0n) {
        const q = this.positionOf(low.parentHash);
        if (q !== undefined && this.runs.numberAt(q) === Number(low.number) - 1) this.extendViewFrom(q);
      }
    }
  }

  /** Whether the view's lowest header is the table's last item, so a chunk below continues its run. */
  private continuesTail(): boolean {
    const last = this.pieces[this.pieces.length - 1];
    return last !== undefined && last.run === this.runs.last && last.run.end === this.table.count;
  }

  /**
   * Index in `down` (a top-down chain) of the first header already stored in some run, or
   * `down.length`. A stored header's ancestors are stored below it in the same run, so in each
   * run overlapping the chunk the stored headers are a bottom range: binary search finds its top.
   */
  private firstStored(down: readonly HeaderRecord[], from: number): number {
    const hi = Number(down[from]!.number);
    const lo = Number(down[down.length - 1]!.number);
    let best = down.length;
    for (const run of this.runs.all) {
      if (run.end === run.start) continue;
      const a = Math.max(lo, HeaderStore.runBottom(run));
      const b = Math.min(hi, run.top);
      if (a > b) continue;
      const same = (n: number) => equalBytes(this.table.hashAt(run.start + (run.top - n)), down[from + (hi - n)]!.hash);
      if (!same(a)) continue;
      let ok = a;
      let bad = b + 1;
      while (bad - ok > 1) {
        const mid = Math.floor((ok + bad) / 2);
        if (same(mid)) ok = mid;
        else bad = mid;
      }
      best = Math.min(best, from + (hi - ok));
    }
    return best;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.index.close();
    this.runs.close();
    this.table.close();
  }
}

function checkFormat(path: string, datadir: string): void {
  let f: { format?: unknown; version?: unknown };
  try {
    f = JSON.parse(readFileSync(path, 'utf8')) as typeof f;
  } catch (err) {
    throw new HeaderStoreError(`${path} is not a header store description; move ${datadir} away to sync again`, 'format', path, { cause: err });
  }
  if (f.format !== FORMAT_NAME || f.version !== STORE_FORMAT) {
    throw new HeaderStoreError(
      `${path}: header store format ${String(f.format)} v${String(f.version)}, this devp2p-ts reads v${STORE_FORMAT}: use the devp2p-ts that wrote it, or move ${datadir} away to sync again`,
      'format',
      path,
    );
  }
}

function removeLegacyFiles(datadir: string): void {
  for (const f of [LEGACY_LOG, LEGACY_TARGET, `${LEGACY_TARGET}.tmp`]) rmSync(join(datadir, f), { force: true });
}

/**
 * Converts a first-format store in `datadir` into a new store at `dir`: the verified chain is
 * written into a temporary folder that is renamed into place when complete, so a crash during
 * the conversion leaves the old store as it was (and the next open converts again).
 */
function migrate(datadir: string, dir: string, openFolder: (dir: string) => HeaderStore): void {
  const tmp = `${dir}.converting`;
  rmSync(tmp, { recursive: true, force: true });
  // A fresh store folder whose creation was cut short (no format file yet) is replaced.
  rmSync(dir, { recursive: true, force: true });
  let legacy: LegacyStore;
  try {
    legacy = LegacyStore.open(datadir);
  } catch (err) {
    throw new HeaderStoreError(
      `cannot convert the old header store in ${datadir} (${err instanceof Error ? err.message : String(err)}): delete ${join(datadir, LEGACY_LOG)} and ${join(datadir, LEGACY_TARGET)} to sync again`,
      'migration',
      datadir,
      { cause: err },
    );
  }
  try {
    mkdirSync(tmp, { recursive: true });
    writeFileAtomic(join(tmp, FORMAT_FILE), JSON.stringify({ format: FORMAT_NAME, version: STORE_FORMAT }) + '\n');
    const store = openFolder(tmp);
    try {
      if (legacy.target !== undefined) store.setTarget(legacy.target);
      let chunk: BlockHeader[] = [];
      for (const h of legacy.chain()) {
        chunk.push(h);
        if (chunk.length === MIGRATION_CHUNK) {
          store.append(chunk.reverse());
          chunk = [];
        }
      }
      if (chunk.length > 0) store.append(chunk.reverse());
    } finally {
      store.close();
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (err instanceof HeaderStoreError && err.kind === 'migration') throw err;
    throw new HeaderStoreError(
      `cannot convert the old header store in ${datadir} (${err instanceof Error ? err.message : String(err)}): delete ${join(datadir, LEGACY_LOG)} and ${join(datadir, LEGACY_TARGET)} to sync again`,
      'migration',
      datadir,
      { cause: err },
    );
  } finally {
    legacy.close();
  }
  renameSync(tmp, dir);
  fsyncDir(datadir);
}
