/**
 * A snappy block compressor of our own for the fast backend's small messages, after the
 * reference encoder (golang/snappy `encodeBlock`: 64 KiB fragments, a 4-byte hash per probe,
 * probes spaced further apart the longer nothing matches).
 *
 * Why: snappy-wasm builds a fresh encoder per call, and for any input over 1,024 bytes that
 * encoder allocates and zeroes a 32 KiB hash table in WebAssembly: ~6 µs of fixed cost, eight
 * times the work of compressing a 1 KiB message. Here the table lives as long as the process and
 * is never cleared: each entry holds a position plus the `base` of the fragment that wrote it,
 * and `base` moves past every fragment, so an entry from an earlier fragment reads as negative
 * (stale) instead of being zeroed.
 */

/** Fragment length of the reference encoder: matches never reach across fragments. */
const FRAGMENT = 1 << 16;
/** Hash table entries (the reference encoder's largest table). */
const TABLE_BITS = 14;
/** Bytes at the end of a fragment never probed, so a 4-byte load stays inside it. */
const INPUT_MARGIN = 15;
/** Shorter fragments are one literal. */
const MIN_NON_LITERAL = 1 + 1 + INPUT_MARGIN;
/** Past this `base` the table is cleared once and `base` restarts (keeps entries in int32). */
export const BASE_LIMIT = 1 << 30;

const TAG_COPY1 = 1;
const TAG_COPY2 = 2;

/** The snappy block format's bound on a block's length for `n` input bytes. */
export function maxCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

const hash = (u: number): number => Math.imul(u, 0x1e35a7bd) >>> (32 - TABLE_BITS);

/** A compressor holding its hash table and output scratch across calls (one per process). */
export class SnappyCompressor {
  private readonly table = new Int32Array(1 << TABLE_BITS);
  private base = 1;
  private out = new Uint8Array(maxCompressedLength(FRAGMENT));
  /** Where the last fragment's trailing literal starts. */
  private nextEmit = 0;

  /** `baseLimit` below {@link BASE_LIMIT} only lets a test reach the table's reset. */
  constructor(private readonly baseLimit = BASE_LIMIT) {}

  /** One snappy block of `src` (a new array). */
  compress(src: Uint8Array): Uint8Array {
    const need = maxCompressedLength(src.length);
    if (this.out.length < need) this.out = new Uint8Array(need);
    const out = this.out;
    let d = 0;
    for (let v = src.length; ; v = Math.floor(v / 128)) {
      if (v < 128) {
        out[d++] = v;
        break;
      }
      out[d++] = (v & 0x7f) | 0x80;
    }
    for (let start = 0; start < src.length; start += FRAGMENT) {
      this.nextEmit = start;
      const end = Math.min(start + FRAGMENT, src.length);
      // The fragment's trailing literal is emitted here: V8 deoptimised `fragment` on every call
      // when its code after the loop came only after on-stack replacement inside the loop.
      if (end - start >= MIN_NON_LITERAL) d = this.fragment(src, start, end, out, d);
      d = emitLiteral(out, d, src, this.nextEmit, end);
    }
    return out.slice(0, d);
  }

  /**
   * Encodes src[start, end) (at least MIN_NON_LITERAL bytes) at out[d] up to its trailing
   * literal, which starts at {@link nextEmit}; returns the new d.
   */
  private fragment(src: Uint8Array, start: number, end: number, out: Uint8Array, d: number): number {
    if (this.base > this.baseLimit) {
      this.table.fill(0);
      this.base = 1;
    }
    const table = this.table;
    const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
    // Entries hold position + base; positions are absolute in src, base is offset so entries of
    // earlier calls and fragments come out below `start`.
    const base = this.base - start;
    this.base += end - start + 1;
    const sLimit = end - INPUT_MARGIN;
    let nextEmit = start;
    let s = start + 1;
    // The 4 bytes at the next probe position, and their hash.
    let next = view.getInt32(s, true);
    let nextHash = hash(next);
    outer: for (;;) {
      let skip = 32;
      let nextS = s;
      let candidate: number;
      for (;;) {
        s = nextS;
        const cur = next;
        const step = skip >> 5;
        nextS = s + step;
        skip += step;
        if (nextS > sLimit) break outer;
        candidate = table[nextHash]! - base;
        table[nextHash] = s + base;
        next = view.getInt32(nextS, true);
        nextHash = hash(next);
        if (candidate >= start && cur === view.getInt32(candidate, true)) break;
      }
      d = emitLiteral(out, d, src, nextEmit, s);
      for (;;) {
        const matchStart = s;
        s += 4;
        let i = candidate + 4;
        while (s + 4 <= end && view.getInt32(i, true) === view.getInt32(s, true)) {
          i += 4;
          s += 4;
        }
        while (s < end && src[i] === src[s]) {
          i++;
          s++;
        }
        d = emitCopy(out, d, matchStart - candidate, s - matchStart);
        nextEmit = s;
        if (s >= sLimit) break outer;
        table[hash(view.getInt32(s - 1, true))] = s - 1 + base;
        const cur = view.getInt32(s, true);
        const h = hash(cur);
        candidate = table[h]! - base;
        table[h] = s + base;
        if (candidate < start || cur !== view.getInt32(candidate, true)) {
          next = view.getInt32(s + 1, true);
          nextHash = hash(next);
          s++;
          break;
        }
      }
    }
    this.nextEmit = nextEmit;
    return d;
  }
}

/** A literal element of src[from, to) at out[d]; returns the new d. */
function emitLiteral(out: Uint8Array, d: number, src: Uint8Array, from: number, to: number): number {
  const len = to - from;
  if (len === 0) return d;
  const n = len - 1;
  if (n < 60) {
    out[d++] = n << 2;
  } else if (n < 1 << 8) {
    out[d++] = 60 << 2;
    out[d++] = n;
  } else if (n < 1 << 16) {
    out[d++] = 61 << 2;
    out[d++] = n & 0xff;
    out[d++] = n >>> 8;
  } else {
    // Fragments are at most 64 KiB, so three length bytes always suffice.
    out[d++] = 62 << 2;
    out[d++] = n & 0xff;
    out[d++] = (n >>> 8) & 0xff;
    out[d++] = n >>> 16;
  }
  if (len < 256) {
    for (let i = from; i < to; i++) out[d++] = src[i]!;
    return d;
  }
  out.set(src.subarray(from, to), d);
  return d + len;
}

/** Copy elements for a match of `length` bytes at `offset` back (offset < 64 KiB); returns the new d. */
function emitCopy(out: Uint8Array, d: number, offset: number, length: number): number {
  while (length >= 68) {
    out[d++] = (63 << 2) | TAG_COPY2;
    out[d++] = offset & 0xff;
    out[d++] = offset >>> 8;
    length -= 64;
  }
  if (length > 64) {
    out[d++] = (59 << 2) | TAG_COPY2;
    out[d++] = offset & 0xff;
    out[d++] = offset >>> 8;
    length -= 60;
  }
  if (length >= 12 || offset >= 2048) {
    out[d++] = ((length - 1) << 2) | TAG_COPY2;
    out[d++] = offset & 0xff;
    out[d++] = offset >>> 8;
    return d;
  }
  out[d++] = ((offset >>> 8) << 5) | ((length - 4) << 2) | TAG_COPY1;
  out[d++] = offset & 0xff;
  return d;
}
