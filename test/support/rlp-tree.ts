/**
 * Test helpers for RLP: typed access to the tree `rlpDecode` returns (DecodeError on the wrong
 * shape), and @ethereumjs/rlp as the second implementation our RLP layer is checked against.
 */
import { RLP } from '@ethereumjs/rlp';
import { DecodeError } from '../../src/common/errors.js';
import type { RlpInput, RlpItem } from '../../src/common/rlp.js';

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

/** True if `decode` accepts its input; false if it throws DecodeError (anything else is rethrown). */
export function accepts(decode: () => unknown): boolean {
  try {
    decode();
    return true;
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    return false;
  }
}

/** The second implementation the RLP layer is checked against: @ethereumjs/rlp, its failures as DecodeError. */
export function ejsRlpDecode(b: Uint8Array): RlpItem {
  try {
    return RLP.decode(b) as RlpItem;
  } catch (err) {
    throw new DecodeError('ejs', 'rlp', (err as Error).message);
  }
}

/** @ethereumjs/rlp's encoding of a value. */
export function ejsRlpEncode(v: RlpInput): Uint8Array {
  return RLP.encode(v as never);
}
