/**
 * Transaction-pool exchange: NewPooledTransactionHashes (0x08, eth/68 form with types and
 * sizes), GetPooledTransactions (0x09) and PooledTransactions (0x0a).
 */
import { DecodeError } from '../../common/errors.js';
import { asBytes, asList } from '../../common/rlp.js';
import { asHashList, asListOf, asRequestId, asUint32, checkLength, checkUint, decodeMessageRlp } from '../fields.js';
import { encBytes, encList, encUint, rlpListSpans } from '../rlp-raw.js';
import { encodeTransactionItem, transactionsFromItem, type Transaction } from '../transaction.js';
import { encRequestId } from './request-id.js';

/**
 * `[types: B, [size, ...], [hash, ...]]`: entry i announces a transaction of type `types[i]`
 * whose canonical encoding is `sizes[i]` bytes and whose hash is `hashes[i]`.
 */
export interface NewPooledTransactionHashes {
  types: Uint8Array;
  sizes: number[];
  hashes: Uint8Array[];
}

/** `[request-id, [hash, ...]]`. */
export interface GetPooledTransactions {
  requestId: bigint;
  hashes: Uint8Array[];
}

/** `[request-id, [tx, ...]]`. */
export interface PooledTransactions {
  requestId: bigint;
  transactions: Transaction[];
}

const WHAT_ANN = 'NewPooledTransactionHashes';
const WHAT_GET = 'GetPooledTransactions';
const WHAT_TXS = 'PooledTransactions';

/** Encodes a NewPooledTransactionHashes; the three lists must have equal length. */
export function encodeNewPooledTransactionHashes(m: NewPooledTransactionHashes): Uint8Array {
  if (m.types.length !== m.sizes.length || m.types.length !== m.hashes.length) {
    throw new RangeError('NewPooledTransactionHashes: types, sizes and hashes differ in length');
  }
  return encList([
    encBytes(m.types),
    encList(m.sizes.map((s) => encUint(checkUint(BigInt(s), 32, 'size')))),
    encList(m.hashes.map((h) => encBytes(checkLength(h, 32, 'hash')))),
  ]);
}

/** Decodes a NewPooledTransactionHashes, rejecting lists of unequal length (as geth does). */
export function decodeNewPooledTransactionHashes(data: Uint8Array): NewPooledTransactionHashes {
  const l = asListOf(decodeMessageRlp(data, WHAT_ANN), 3, WHAT_ANN, 'message');
  const types = asBytes(l[0], WHAT_ANN, 'types');
  const sizes = asList(l[1], WHAT_ANN, 'sizes').map((s, i) => asUint32(s, WHAT_ANN, `sizes[${i}]`));
  const hashes = asHashList(l[2], WHAT_ANN, 'hashes');
  if (sizes.length !== types.length || hashes.length !== types.length) {
    throw new DecodeError(WHAT_ANN, 'message', `lengths differ: ${types.length} types, ${sizes.length} sizes, ${hashes.length} hashes`);
  }
  return { types, sizes, hashes };
}

/** Encodes a GetPooledTransactions. */
export function encodeGetPooledTransactions(m: GetPooledTransactions): Uint8Array {
  return encList([encRequestId(m.requestId), encList(m.hashes.map((h) => encBytes(checkLength(h, 32, 'hash'))))]);
}

/** Decodes a GetPooledTransactions. */
export function decodeGetPooledTransactions(data: Uint8Array): GetPooledTransactions {
  const l = asListOf(decodeMessageRlp(data, WHAT_GET), 2, WHAT_GET, 'message');
  return { requestId: asRequestId(l[0], WHAT_GET), hashes: asHashList(l[1], WHAT_GET, 'hashes') };
}

/** Encodes a PooledTransactions. */
export function encodePooledTransactions(m: PooledTransactions): Uint8Array {
  return encList([encRequestId(m.requestId), encList(m.transactions.map(encodeTransactionItem))]);
}

/** Decodes a PooledTransactions. */
export function decodePooledTransactions(data: Uint8Array): PooledTransactions {
  const l = asListOf(decodeMessageRlp(data, WHAT_TXS), 2, WHAT_TXS, 'message');
  const spans = rlpListSpans(data, WHAT_TXS, 'message');
  return { requestId: asRequestId(l[0], WHAT_TXS), transactions: transactionsFromItem(l[1], spans[1]!, WHAT_TXS, 'transactions') };
}
