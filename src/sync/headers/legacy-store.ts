/**
 * Reading a header store of the first format (before the freezer-shaped one), to convert it:
 * `headers.log` (records of a 4-byte big-endian length and a header's RLP, appended as synced)
 * and `target.json` in the data directory itself.
 *
 * The old store read the whole log into memory at open; this reader keeps only what a walk
 * needs, about 56 bytes per record (its offset, and its hash in a compact table), reads the
 * log in bounded chunks and yields the verified chain from the target down, one header at a
 * time. It stops at a torn record, as the old store did, so it converts what the old store
 * would have opened.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex, equalBytes, hexToBytes } from '../../common/bytes.js';
import { keccak256 } from '../../crypto/keccak.js';
import { BlockHashIndex } from '../../chain/block-hash-index.js';
import { decodeHeader, type BlockHeader } from '../../chain/header.js';
import { HeaderStoreError, readAt } from './files.js';

export const LEGACY_LOG = 'headers.log';
export const LEGACY_TARGET = 'target.json';
const RECORD_HEADER = 4;
/** The old store's largest record. */
const LEGACY_MAX_RECORD = 1 << 20;
const SCAN_CHUNK = 4 << 20;

/** Whether `dir` holds a store of the first format. */
export function hasLegacyStore(dir: string): boolean {
  return existsSync(join(dir, LEGACY_LOG)) || existsSync(join(dir, LEGACY_TARGET));
}

/** The sync target a `target.json` names (the old and the new store write the same shape). */
export function parseTarget(text: string, path: string): { number: bigint; hash: Uint8Array } {
  try {
    const t = JSON.parse(text) as { number: string; hash: string };
    const hash = hexToBytes(t.hash);
    if (hash.length !== 32) throw new Error('hash is not 32 bytes');
    return { number: BigInt(t.number), hash };
  } catch (err) {
    throw new HeaderStoreError(`${path}: not a sync target (${err instanceof Error ? err.message : String(err)})`, 'corrupt', path, { cause: err });
  }
}

/** An old store, indexed for the walk. */
export class LegacyStore {
  private constructor(
    private readonly fd: number | undefined,
    private readonly path: string,
    private readonly offsets: Float64Array,
    private readonly hashes: BlockHashIndex,
    /** The target the old store synced to, if it had one. */
    readonly target: { number: bigint; hash: Uint8Array } | undefined,
    /** Records readable before a torn tail. */
    readonly records: number,
  ) {}

  /** Scans the old files in `dir`. */
  static open(dir: string): LegacyStore {
    const tpath = join(dir, LEGACY_TARGET);
    const target = existsSync(tpath) ? parseTarget(readFileSync(tpath, 'utf8'), tpath) : undefined;
    const path = join(dir, LEGACY_LOG);
    if (!existsSync(path)) return new LegacyStore(undefined, path, new Float64Array(0), new BlockHashIndex(), target, 0);
    const fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const hashes = new BlockHashIndex();
    let offsets = new Float64Array(1024);
    let off = 0;
    let chunk = new Uint8Array(0);
    let chunkStart = 0;
    const bytesAt = (pos: number, n: number): Uint8Array | undefined => {
      if (pos + n > size) return undefined;
      if (pos < chunkStart || pos + n > chunkStart + chunk.length) {
        chunkStart = pos;
        chunk = new Uint8Array(Math.min(size - pos, Math.max(SCAN_CHUNK, n)));
        let got = 0;
        while (got < chunk.length) got += readSync(fd, chunk, got, chunk.length - got, pos + got);
      }
      return chunk.subarray(pos - chunkStart, pos - chunkStart + n);
    };
    for (;;) {
      const head = bytesAt(off, RECORD_HEADER);
      if (head === undefined) break;
      const len = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
      if (len === 0 || len > LEGACY_MAX_RECORD) break;
      const raw = bytesAt(off + RECORD_HEADER, len);
      if (raw === undefined) break;
      try {
        decodeHeader(raw);
      } catch {
        break;
      }
      if (hashes.size === offsets.length) {
        const grown = new Float64Array(offsets.length * 2);
        grown.set(offsets);
        offsets = grown;
      }
      offsets[hashes.push(keccak256(raw))] = off;
      off += RECORD_HEADER + len;
    }
    return new LegacyStore(fd, path, offsets, hashes, target, hashes.size);
  }

  private header(i: number): BlockHeader {
    const off = this.offsets[i]!;
    const head = readAt(this.fd!, RECORD_HEADER, off, this.path);
    const len = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
    return decodeHeader(readAt(this.fd!, len, off + RECORD_HEADER, this.path));
  }

  /** The verified chain, from the target down to the lowest header linked to it. */
  *chain(): Generator<BlockHeader> {
    const t = this.target;
    if (t === undefined || this.fd === undefined) return;
    let i = this.hashes.find(t.hash);
    if (i === undefined) return;
    let h = this.header(i);
    if (h.number !== t.number) throw new HeaderStoreError(`${this.path}: the target header 0x${bytesToHex(t.hash)} has number ${h.number}, target.json says ${t.number}`, 'migration', this.path);
    for (;;) {
      yield h;
      if (h.number === 0n) return;
      i = this.hashes.find(h.parentHash);
      if (i === undefined) return;
      const parent = this.header(i);
      if (parent.number !== h.number - 1n || !equalBytes(parent.hash, h.parentHash)) return;
      h = parent;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
  }
}
