/**
 * Byte helpers shared by every layer, on @ethereumjs/util. The names stay ours where call sites
 * rely on a contract util words differently: hex here is unprefixed on output and accepts an
 * optional 0x on input (strictly: odd length or a non-hex character is a TypeError), and
 * integers over 2^53 are a RangeError. Hex appears only at the edges (CLI, logs, JSON).
 * Comparing secrets (MACs) is `timingSafeEqual` in src/crypto, not {@link equalBytes}.
 */
import {
  bigIntToUnpaddedBytes,
  bytesToBigInt,
  bytesToHex as prefixedHex,
  concatBytes as utilConcatBytes,
  equalsBytes,
  unprefixedHexToBytes,
} from '@ethereumjs/util';

export { bytesToBigInt };

/** The parts joined into a new array (a single part is copied too, so the result never aliases an input). */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0]!.slice() : utilConcatBytes(...parts);
}

/** Lower-case hex without a 0x prefix. */
export function bytesToHex(b: Uint8Array): string {
  return prefixedHex(b).slice(2);
}

/** Parses hex with or without 0x; throws TypeError on odd length or non-hex characters. */
export function hexToBytes(hex: string): Uint8Array {
  const h = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new TypeError(`invalid hex: ${hex.slice(0, 40)}`);
  return unprefixedHexToBytes(h);
}

/** Lexicographic order of byte strings (a shorter prefix first), for sorting by node ID or key. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** True if both hold the same bytes. */
export const equalBytes: (a: Uint8Array, b: Uint8Array) => boolean = equalsBytes;

/** Big-endian unsigned integer of minimal length (0 -> empty), as RLP encodes integers. */
export function uintToBytes(v: number | bigint): Uint8Array {
  const x = BigInt(v);
  if (x < 0n) throw new RangeError('negative integer');
  return bigIntToUnpaddedBytes(x);
}
