/**
 * RLP helpers that turn @ethereumjs/rlp's untyped output into checked values, throwing
 * {@link DecodeError} with the structure and field named.
 */
import { RLP } from '@ethereumjs/rlp';
import { DecodeError } from './errors.js';

/** A decoded RLP item: bytes or a list of items. */
export type RlpItem = Uint8Array | RlpItem[];
/** An encodable RLP value. */
export type RlpInput = Uint8Array | number | bigint | RlpInput[];

/** Encodes an RLP value (numbers and bigints as minimal big-endian integers). */
export function rlpEncode(v: RlpInput): Uint8Array {
  return RLP.encode(v as never);
}

/**
 * Decodes exactly one RLP item from `data`. With `allowTrailing`, bytes after the item are
 * ignored (EIP-8 forward compatibility) and the item is returned alone.
 */
export function rlpDecode(data: Uint8Array, what: string, allowTrailing = false): RlpItem {
  try {
    if (allowTrailing) return RLP.decode(data, true).data as RlpItem;
    return RLP.decode(data) as RlpItem;
  } catch (err) {
    throw new DecodeError(what, 'rlp', (err as Error).message);
  }
}

export function asList(item: RlpItem | undefined, what: string, field: string, minLength = 0): RlpItem[] {
  if (!Array.isArray(item)) throw new DecodeError(what, field, 'expected a list');
  if (item.length < minLength) throw new DecodeError(what, field, `expected at least ${minLength} elements, got ${item.length}`);
  return item;
}

export function asBytes(item: RlpItem | undefined, what: string, field: string, length?: number): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new DecodeError(what, field, 'expected a byte string');
  if (length !== undefined && item.length !== length) throw new DecodeError(what, field, `expected ${length} bytes, got ${item.length}`);
  return item;
}

/** A canonical unsigned integer of at most `maxBytes` bytes as a bigint. */
export function asBigUint(item: RlpItem | undefined, what: string, field: string, maxBytes = 32): bigint {
  const b = asBytes(item, what, field);
  if (b.length > maxBytes) throw new DecodeError(what, field, `integer longer than ${maxBytes} bytes`);
  if (b.length > 0 && b[0] === 0) throw new DecodeError(what, field, 'integer has leading zero bytes');
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** A canonical unsigned integer that fits in a JS number (at most 6 bytes unless `maxBytes` says less). */
export function asUint(item: RlpItem | undefined, what: string, field: string, maxBytes = 6): number {
  return Number(asBigUint(item, what, field, Math.min(maxBytes, 6)));
}
