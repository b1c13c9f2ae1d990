/**
 * RLP pieces the eth codecs need beyond `common/rlp.ts`: an encoder that composes already
 * encoded items (so a header or legacy transaction is written from its original bytes, never
 * re-encoded), and a splitter that returns the encoded bytes of each element of a list (so a
 * decoded header keeps the exact bytes its hash is computed over).
 */
import { DecodeError } from '../common/errors.js';

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

/** Header of one RLP item at `pos`: where its payload starts and where the item ends. */
function itemBounds(data: Uint8Array, pos: number, what: string, field: string): { payload: number; end: number; isList: boolean } {
  const b = data[pos];
  if (b === undefined) throw new DecodeError(what, field, 'truncated RLP item');
  let payload: number;
  let len: number;
  if (b < 0x80) return { payload: pos, end: pos + 1, isList: false };
  const isList = b >= 0xc0;
  const base = isList ? 0xc0 : 0x80;
  if (b - base < 56) {
    payload = pos + 1;
    len = b - base;
  } else {
    const n = b - base - 55;
    if (pos + 1 + n > data.length) throw new DecodeError(what, field, 'truncated RLP length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + data[pos + 1 + i]!;
    payload = pos + 1 + n;
  }
  const end = payload + len;
  if (end > data.length) throw new DecodeError(what, field, 'RLP item longer than its container');
  return { payload, end, isList };
}

/**
 * The encoded bytes of each element of the RLP list `encoded` (views into it, not copies).
 * Meant for bytes that `rlpDecode` has already validated; it still bounds-checks everything and
 * throws {@link DecodeError} rather than reading out of range.
 */
export function rlpListSpans(encoded: Uint8Array, what: string, field: string): Uint8Array[] {
  const outer = itemBounds(encoded, 0, what, field);
  if (!outer.isList) throw new DecodeError(what, field, 'expected a list');
  if (outer.end !== encoded.length) throw new DecodeError(what, field, 'trailing bytes after list');
  const spans: Uint8Array[] = [];
  let pos = outer.payload;
  while (pos < outer.end) {
    const item = itemBounds(encoded, pos, what, field);
    if (item.end > outer.end) throw new DecodeError(what, field, 'element overruns its list');
    spans.push(encoded.subarray(pos, item.end));
    pos = item.end;
  }
  return spans;
}
