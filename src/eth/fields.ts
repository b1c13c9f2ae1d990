/**
 * Field readers shared by the eth codecs: each checks one RLP item against the shape the spec
 * gives it and throws {@link DecodeError} naming the message and field.
 */
import { DecodeError } from '../common/errors.js';
import { asBigUint, asBytes, asList, rlpDecode, type RlpItem } from '../common/rlp.js';
import { MAX_MESSAGE_SIZE } from './protocol.js';

/** Rejects a message over {@link MAX_MESSAGE_SIZE}, then RLP-decodes it (strict, no trailing bytes). */
export function decodeMessageRlp(data: Uint8Array, what: string): RlpItem {
  if (data.length > MAX_MESSAGE_SIZE) {
    throw new DecodeError(what, 'size', `message of ${data.length} bytes exceeds ${MAX_MESSAGE_SIZE}`);
  }
  if (data.length === 0) throw new DecodeError(what, 'rlp', 'empty message');
  return rlpDecode(data, what);
}

/** A list with exactly `n` elements. */
export function asListOf(item: RlpItem | undefined, n: number, what: string, field: string): RlpItem[] {
  const list = asList(item, what, field);
  if (list.length !== n) throw new DecodeError(what, field, `expected ${n} elements, got ${list.length}`);
  return list;
}

/** A list with between `min` and `max` elements. */
export function asListBetween(item: RlpItem | undefined, min: number, max: number, what: string, field: string): RlpItem[] {
  const list = asList(item, what, field);
  if (list.length < min || list.length > max) {
    throw new DecodeError(what, field, `expected ${min}..${max} elements, got ${list.length}`);
  }
  return list;
}

/** A 32-byte hash. */
export function asHash(item: RlpItem | undefined, what: string, field: string): Uint8Array {
  return asBytes(item, what, field, 32);
}

/** A canonical unsigned integer below 2^64. */
export function asUint64(item: RlpItem | undefined, what: string, field: string): bigint {
  return asBigUint(item, what, field, 8);
}

/** A canonical unsigned integer below 2^32, as a number. */
export function asUint32(item: RlpItem | undefined, what: string, field: string): number {
  return Number(asBigUint(item, what, field, 4));
}

/** A boolean encoded as the integer 0 or 1 (geth's rlp bool rules: 0x80 or 0x01, nothing else). */
export function asBool(item: RlpItem | undefined, what: string, field: string): boolean {
  const b = asBytes(item, what, field);
  if (b.length === 0) return false;
  if (b.length === 1 && b[0] === 1) return true;
  throw new DecodeError(what, field, 'expected boolean 0 or 1');
}

/** A list of 32-byte hashes. */
export function asHashList(item: RlpItem | undefined, what: string, field: string): Uint8Array[] {
  const list = asList(item, what, field);
  const out = new Array<Uint8Array>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = asHash(list[i], what, `${field}[${i}]`);
  return out;
}

/** The request ID that EIP-2481 puts first in every request and response (uint64). */
export function asRequestId(item: RlpItem | undefined, what: string): bigint {
  return asUint64(item, what, 'requestId');
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
