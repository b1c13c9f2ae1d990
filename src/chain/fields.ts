/** Value checks shared by the chain and eth codecs: readers for common field shapes, and encoder guards. */
import type { RlpReader } from '../common/rlp-reader.js';

/** A list of 32-byte hashes. */
export function readHashList(r: RlpReader, name: string): Uint8Array[] {
  return r.list(name).map((l, item) => l.hash(item));
}

/** Throws RangeError unless `v` fits in `bits` unsigned bits; encoders use it to refuse values no peer could decode. */
export function checkUint(v: bigint, bits: number, name: string): bigint {
  if (v < 0n || v >> BigInt(bits) !== 0n) throw new RangeError(`${name} out of range for uint${bits}: ${v}`);
  return v;
}

/** Throws RangeError unless `b` has exactly `n` bytes. */
export function checkLength(b: Uint8Array, n: number, name: string): Uint8Array {
  if (b.length !== n) throw new RangeError(`${name} must be ${n} bytes, got ${b.length}`);
  return b;
}
