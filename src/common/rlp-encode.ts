/**
 * RLP encoding by composition: each function returns one encoded item, and lists are built
 * from already encoded elements, so a header or legacy transaction is written from its
 * original bytes and never re-encoded.
 */

function lengthPrefix(len: number, offset: 0x80 | 0xc0): Uint8Array {
  if (len < 56) return Uint8Array.of(offset + len);
  const bytes: number[] = [];
  for (let x = len; x > 0; x = Math.floor(x / 256)) bytes.unshift(x % 256);
  return Uint8Array.of(offset + 55 + bytes.length, ...bytes);
}

/** RLP encoding of a byte string. */
export function encBytes(b: Uint8Array): Uint8Array {
  if (b.length === 1 && b[0]! < 0x80) return b.slice();
  const prefix = lengthPrefix(b.length, 0x80);
  const out = new Uint8Array(prefix.length + b.length);
  out.set(prefix, 0);
  out.set(b, prefix.length);
  return out;
}

/** RLP encoding of an unsigned integer (minimal big-endian, zero is the empty string). */
export function encUint(v: bigint | number): Uint8Array {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`not an unsigned safe integer: ${v}`);
    if (v === 0) return Uint8Array.of(0x80);
    if (v < 0x80) return Uint8Array.of(v);
    v = BigInt(v);
  }
  if (v < 0n) throw new RangeError('negative integer');
  if (v === 0n) return Uint8Array.of(0x80);
  if (v < 0x80n) return Uint8Array.of(Number(v));
  const bytes: number[] = [];
  for (let x = v; x > 0n; x >>= 8n) bytes.unshift(Number(x & 0xffn));
  return encBytes(Uint8Array.from(bytes));
}

/** RLP encoding of a list whose elements are given already encoded. */
export function encList(items: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const i of items) len += i.length;
  const prefix = lengthPrefix(len, 0xc0);
  const out = new Uint8Array(prefix.length + len);
  out.set(prefix, 0);
  let off = prefix.length;
  for (const i of items) {
    out.set(i, off);
    off += i.length;
  }
  return out;
}
