/**
 * The generic side of the RLP layer: any value to bytes, and bytes to a tree of byte strings
 * and lists, for code that has no schema (ENR key/value pairs, printing an unknown value,
 * tests). Encoding a schema-less tree is @ethereumjs/rlp's `encode` (the reference TypeScript
 * encoder, so there is a second implementation to hold ours to: the codec tests compare the
 * composed encoders of rlp-encode.ts with it); decoding is our strict reader, so every decode
 * raises the same typed DecodeError naming the structure and the element.
 */
import { RLP } from '@ethereumjs/rlp';
import { RlpReader } from './rlp-reader.js';

/** A decoded RLP item: bytes or a list of items. */
export type RlpItem = Uint8Array | RlpItem[];
/** An encodable RLP value. */
export type RlpInput = Uint8Array | number | bigint | RlpInput[];

/** Throws RangeError for an integer RLP cannot carry (negative, or an unsafe number). */
function checkIntegers(v: RlpInput): void {
  if (v instanceof Uint8Array) return;
  if (Array.isArray(v)) {
    for (const x of v) checkIntegers(x);
    return;
  }
  if (typeof v === 'number' ? !Number.isSafeInteger(v) || v < 0 : v < 0n) throw new RangeError(`not an unsigned integer: ${v}`);
}

/** Encodes an RLP value (numbers and bigints as minimal big-endian integers). */
export function rlpEncode(v: RlpInput): Uint8Array {
  checkIntegers(v);
  return RLP.encode(v);
}

/**
 * Decodes exactly one RLP item from `data` (canonical encodings only). With `allowTrailing`,
 * bytes after the item are ignored (EIP-8 forward compatibility) and the item is returned
 * alone. The tree is built with an explicit stack, so nesting depth cannot exhaust the stack.
 */
export function rlpDecode(data: Uint8Array, what: string, allowTrailing = false): RlpItem {
  const top = RlpReader.over(data, what);
  let result: RlpItem | undefined;
  // Each open list: its reader and the array its elements go to.
  const open: { r: RlpReader; out: RlpItem[] }[] = [];
  const place = (item: RlpItem): void => {
    if (open.length === 0) result = item;
    else open[open.length - 1]!.out.push(item);
  };
  let r = top;
  for (;;) {
    const name = open.length === 0 ? '' : open[open.length - 1]!.out.length;
    if (r.nextIsList(name)) {
      const out: RlpItem[] = [];
      place(out);
      r = r.list(name);
      open.push({ r, out });
    } else {
      place(r.bytes(name));
    }
    while (open.length > 0 && !open[open.length - 1]!.r.hasMore()) open.pop();
    if (open.length === 0) break;
    r = open[open.length - 1]!.r;
  }
  if (!allowTrailing) top.done();
  return result!;
}
