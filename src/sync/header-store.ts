/**
 * A crash-safe header store: an append-only log of verified headers plus the sync target.
 *
 * The engine appends only verified chunks, top-down from a trusted head, so every record on disk
 * is part of the chain ending at the target. On open the log is replayed; a torn last record (the
 * process was killed mid-write) is cut off, and the verified range is recomputed from the data by
 * walking parent links down from the target, so a kill -9 at any point loses at most the chunk
 * being written and never leaves a wrong or duplicated header.
 *
 * The issue asked for LevelDB (classic-level); that is a native addon, which this project does not
 * use, so this is a small TS store. It keeps the index (number -> header) in memory: fine for
 * devnets, test chains and ranges of a few million headers, not for a full mainnet archive.
 */
import { closeSync, fsync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, write, writeFileSync, writeSync, ftruncateSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex, equalBytes, hexToBytes } from '../common/bytes.js';
import { decodeHeader, type BlockHeader } from '../eth/header.js';

const LOG = 'headers.log';
const TARGET = 'target.json';
/** A record is: 4-byte big-endian length, then the header's RLP. */
const RECORD_HEADER = 4;
const MAX_RECORD = 1 << 20;

export interface SyncTarget {
  number: bigint;
  hash: Uint8Array;
}

export class HeaderStore {
  private readonly byNumber = new Map<bigint, BlockHeader>();
  private readonly byHash = new Map<string, bigint>();
  private fd: number;
  private targetValue?: SyncTarget;
  private lowestValue?: bigint;
  /** An {@link appendAsync} is writing (the view must not move under it). */
  private writing = false;
  /** Records cut off at open because the last write was torn. */
  readonly truncatedBytes: number;

  private constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, LOG);
    const data = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
    let off = 0;
    while (off + RECORD_HEADER <= data.length) {
      const len = data.readUInt32BE(off);
      if (len === 0 || len > MAX_RECORD || off + RECORD_HEADER + len > data.length) break;
      let h: BlockHeader;
      try {
        h = decodeHeader(new Uint8Array(data.subarray(off + RECORD_HEADER, off + RECORD_HEADER + len)));
      } catch {
        break;
      }
      this.index(h);
      off += RECORD_HEADER + len;
    }
    this.truncatedBytes = data.length - off;
    this.fd = openSync(path, 'a+');
    if (this.truncatedBytes > 0) {
      ftruncateSync(this.fd, off);
      fsyncSync(this.fd);
    }
    const tpath = join(dir, TARGET);
    if (existsSync(tpath)) {
      const t = JSON.parse(readFileSync(tpath, 'utf8')) as { number: string; hash: string };
      this.targetValue = { number: BigInt(t.number), hash: hexToBytes(t.hash) };
      this.recomputeLowest();
    }
  }

  /** Opens (or creates) the store in `dir`. */
  static open(dir: string): HeaderStore {
    return new HeaderStore(dir);
  }

  private index(h: BlockHeader): void {
    this.byNumber.set(h.number, h);
    this.byHash.set(bytesToHex(h.hash), h.number);
  }

  /** Walks parent links down from the target: the lowest header of the verified chain. */
  private recomputeLowest(): void {
    const t = this.targetValue!;
    let h = this.byNumber.get(t.number);
    if (!h || !equalBytes(h.hash, t.hash)) {
      this.lowestValue = undefined;
      return;
    }
    for (;;) {
      const below = this.byNumber.get(h.number - 1n);
      if (!below || !equalBytes(below.hash, h.parentHash)) break;
      h = below;
    }
    this.lowestValue = h.number;
  }

  get target(): SyncTarget | undefined {
    return this.targetValue;
  }

  /** Lowest header number of the verified chain ending at the target (undefined if none yet). */
  get lowest(): bigint | undefined {
    return this.lowestValue;
  }

  get size(): number {
    return this.byNumber.size;
  }

  get(number: bigint): BlockHeader | undefined {
    return this.byNumber.get(number);
  }

  getByHash(hash: Uint8Array): BlockHeader | undefined {
    const n = this.byHash.get(bytesToHex(hash));
    return n === undefined ? undefined : this.byNumber.get(n);
  }

  /** Sets a new sync target (written atomically). Headers of another chain are forgotten. */
  setTarget(t: SyncTarget): void {
    if (this.targetValue && this.targetValue.number === t.number && equalBytes(this.targetValue.hash, t.hash)) return;
    const tmp = join(this.dir, TARGET + '.tmp');
    writeFileSync(tmp, JSON.stringify({ number: t.number.toString(), hash: bytesToHex(t.hash) }));
    renameSync(tmp, join(this.dir, TARGET));
    this.targetValue = t;
    this.recomputeLowest();
  }

  /**
   * Appends a verified chunk: it must link to the current lowest header (or be the target itself
   * when nothing is stored yet). Written and fsynced before the in-memory view moves.
   */
  append(headers: readonly BlockHeader[]): void {
    const buf = this.prepare(headers);
    if (buf === undefined) return;
    writeSync(this.fd, buf);
    fsyncSync(this.fd);
    this.commit(headers);
  }

  /**
   * {@link append} with the write and fsync on libuv's thread pool, so the event loop keeps
   * serving the network meanwhile. One at a time: the chunk is checked against the chain as it
   * is when the call starts, and the in-memory view moves only once the data is on disk.
   */
  async appendAsync(headers: readonly BlockHeader[]): Promise<void> {
    if (this.writing) throw new Error('an append is already in progress');
    const buf = this.prepare(headers);
    if (buf === undefined) return;
    this.writing = true;
    try {
      await new Promise<void>((resolve, reject) => write(this.fd, buf, (err) => (err ? reject(err) : resolve())));
      await new Promise<void>((resolve, reject) => fsync(this.fd, (err) => (err ? reject(err) : resolve())));
    } finally {
      this.writing = false;
    }
    this.commit(headers);
  }

  /** Checks that `headers` extend the verified chain downwards; returns their log records. */
  private prepare(headers: readonly BlockHeader[]): Buffer | undefined {
    if (headers.length === 0) return undefined;
    if (this.writing) throw new Error('an append is in progress');
    const t = this.targetValue;
    if (!t) throw new Error('no sync target set');
    const top = headers[headers.length - 1]!;
    if (this.lowestValue === undefined) {
      if (top.number !== t.number || !equalBytes(top.hash, t.hash)) throw new Error('first chunk must end at the target');
    } else {
      const low = this.byNumber.get(this.lowestValue)!;
      if (top.number !== low.number - 1n || !equalBytes(top.hash, low.parentHash)) throw new Error('chunk does not link to the verified chain');
    }
    for (let i = 1; i < headers.length; i++) {
      if (headers[i]!.number !== headers[i - 1]!.number + 1n || !equalBytes(headers[i]!.parentHash, headers[i - 1]!.hash)) throw new Error('chunk is not a chain');
    }
    let total = 0;
    for (const h of headers) total += RECORD_HEADER + h.raw.length;
    const buf = Buffer.allocUnsafe(total);
    let off = 0;
    for (const h of headers) {
      buf.writeUInt32BE(h.raw.length, off);
      buf.set(h.raw, off + RECORD_HEADER);
      off += RECORD_HEADER + h.raw.length;
    }
    return buf;
  }

  /** Moves the in-memory view once `headers` are on disk. */
  private commit(headers: readonly BlockHeader[]): void {
    for (const h of headers) this.index(h);
    // Headers already stored below (from an earlier sync to a lower target) may link on.
    let low = headers[0]!;
    for (;;) {
      const below = this.byNumber.get(low.number - 1n);
      if (!below || !equalBytes(below.hash, low.parentHash)) break;
      low = below;
    }
    this.lowestValue = low.number;
  }

  close(): void {
    closeSync(this.fd);
  }
}
