/**
 * Snappy block format from snappyjs, with the stream checked first.
 *
 * snappyjs decodes valid blocks correctly but is lenient with invalid ones: it does not check
 * that the output is exactly the announced length (a short stream leaves zeros, a long one is
 * cut silently) and reads past the input on a truncated copy tag. {@link isWellFormed} walks
 * the tags first with the rules of the reference decoders (golang/snappy, Rust `snap`: every
 * literal and copy inside both buffers, copy offsets non-zero and within the output so far,
 * output exactly the announced length), so both backends accept and refuse the same blocks.
 * The walk touches only tags, not the copied bytes.
 */
import snappyjs from 'snappyjs';

export function snappyCompress(data: Uint8Array): Uint8Array {
  return snappyjs.compress(data);
}

/** Decodes a block announcing `length` bytes whose tags start at `start`; undefined if corrupt. */
export function snappyUncompress(data: Uint8Array, length: number, start: number): Uint8Array | undefined {
  if (!isWellFormed(data, start, length)) return undefined;
  try {
    return snappyjs.uncompress(data);
  } catch {
    return undefined;
  }
}

/** True if the tags from `start` decode to exactly `length` bytes without reading or writing out of bounds. */
export function isWellFormed(src: Uint8Array, start: number, length: number): boolean {
  const n = src.length;
  let s = start;
  let d = 0;
  while (s < n) {
    const tag = src[s]!;
    let len: number;
    if ((tag & 3) === 0) {
      len = tag >>> 2;
      if (len < 60) {
        s += 1;
      } else {
        const extra = len - 59; // 1..4 little-endian length bytes
        if (s + 1 + extra > n) return false;
        len = 0;
        for (let i = extra; i >= 1; i--) len = len * 256 + src[s + i]!;
        s += 1 + extra;
      }
      len += 1;
      if (len > length - d || len > n - s) return false;
      s += len;
      d += len;
      continue;
    }
    let offset: number;
    if ((tag & 3) === 1) {
      if (s + 2 > n) return false;
      len = 4 + ((tag >>> 2) & 7);
      offset = ((tag & 0xe0) << 3) | src[s + 1]!;
      s += 2;
    } else if ((tag & 3) === 2) {
      if (s + 3 > n) return false;
      len = 1 + (tag >>> 2);
      offset = src[s + 1]! | (src[s + 2]! << 8);
      s += 3;
    } else {
      if (s + 5 > n) return false;
      len = 1 + (tag >>> 2);
      offset = (src[s + 1]! | (src[s + 2]! << 8) | (src[s + 3]! << 16) | (src[s + 4]! << 24)) >>> 0;
      s += 5;
    }
    if (offset === 0 || offset > d || len > length - d) return false;
    d += len;
  }
  return d === length;
}
