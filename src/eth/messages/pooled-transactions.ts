/**
 * Transaction-pool exchange: NewPooledTransactionHashes (0x08, eth/68 form with types and
 * sizes; eth/72 adds a custody bitmap), GetPooledTransactions (0x09) and PooledTransactions (0x0a).
 */
import { DecodeError } from '../../common/errors.js';
import { checkLength, checkUint, readHashList } from '../../chain/fields.js';
import { readRequestId } from './request-id.js';
import { encBytes, encList, encUint } from '../../common/rlp-encode.js';
import { RlpReader } from '../../common/rlp-reader.js';
import { MAX_MESSAGE_SIZE } from '../protocol.js';
import { encodeTransactionItem, readTransactions, type Transaction } from '../../chain/transaction.js';
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

/** Bytes of an eth/72 custody bitmap (geth `types.CustodyBitmap`, one bit per cell column of 128). */
export const CUSTODY_BITMAP_LENGTH = 16;

/** eth/72 `[types, [size, ...], [hash, ...], mask]`: the mask says which blob cells the sender holds. */
export interface NewPooledTransactionHashes72 extends NewPooledTransactionHashes {
  mask: Uint8Array;
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
  return encList(announcementFields(m));
}

function announcementFields(m: NewPooledTransactionHashes): Uint8Array[] {
  if (m.types.length !== m.sizes.length || m.types.length !== m.hashes.length) {
    throw new RangeError('NewPooledTransactionHashes: types, sizes and hashes differ in length');
  }
  return [
    encBytes(m.types),
    encList(m.sizes.map((s) => encUint(checkUint(BigInt(s), 32, 'size')))),
    encList(m.hashes.map((h) => encBytes(checkLength(h, 32, 'hash')))),
  ];
}

/** Decodes a NewPooledTransactionHashes, rejecting lists of unequal length (as geth does). */
export function decodeNewPooledTransactionHashes(data: Uint8Array): NewPooledTransactionHashes {
  const r = RlpReader.message(data, WHAT_ANN, MAX_MESSAGE_SIZE);
  const m = readAnnouncement(r);
  r.done();
  return m;
}

/** Encodes an eth/72 NewPooledTransactionHashes. */
export function encodeNewPooledTransactionHashes72(m: NewPooledTransactionHashes72): Uint8Array {
  return encList([...announcementFields(m), encBytes(checkLength(m.mask, CUSTODY_BITMAP_LENGTH, 'mask'))]);
}

/** Decodes an eth/72 NewPooledTransactionHashes. */
export function decodeNewPooledTransactionHashes72(data: Uint8Array): NewPooledTransactionHashes72 {
  const r = RlpReader.message(data, `eth/72 ${WHAT_ANN}`, MAX_MESSAGE_SIZE);
  const m = readAnnouncement(r);
  const mask = r.bytes('mask', CUSTODY_BITMAP_LENGTH);
  r.done();
  return { ...m, mask };
}

function readAnnouncement(r: RlpReader): NewPooledTransactionHashes {
  const types = r.bytes('types');
  const n = types.length;
  // Each entry needs at least a 1-byte size and a 33-byte hash item: reject impossible counts
  // before reading, and stop reading sizes past n, so a long list of tiny items costs nothing.
  if (r.remainingBytes() < n * 34) throw new DecodeError(WHAT_ANN, 'types', `${n} types but too few bytes for their sizes and hashes`);
  const sl = r.list('sizes');
  const sizes: number[] = [];
  while (sl.hasMore()) {
    if (sizes.length === n) throw new DecodeError(WHAT_ANN, 'sizes', `more sizes than the ${n} types`);
    sizes.push(sl.uint32(`[${sizes.length}]`));
  }
  const hashes = readHashList(r, 'hashes');
  if (sizes.length !== n || hashes.length !== n) {
    throw new DecodeError(WHAT_ANN, 'message', `lengths differ: ${n} types, ${sizes.length} sizes, ${hashes.length} hashes`);
  }
  return { types, sizes, hashes };
}

/** Encodes a GetPooledTransactions. */
export function encodeGetPooledTransactions(m: GetPooledTransactions): Uint8Array {
  return encList([encRequestId(m.requestId), encList(m.hashes.map((h) => encBytes(checkLength(h, 32, 'hash'))))]);
}

/** Decodes a GetPooledTransactions. */
export function decodeGetPooledTransactions(data: Uint8Array): GetPooledTransactions {
  const r = RlpReader.message(data, WHAT_GET, MAX_MESSAGE_SIZE);
  const m = { requestId: readRequestId(r), hashes: readHashList(r, 'hashes') };
  r.done();
  return m;
}

/** Encodes a PooledTransactions. */
export function encodePooledTransactions(m: PooledTransactions): Uint8Array {
  return encList([encRequestId(m.requestId), encList(m.transactions.map(encodeTransactionItem))]);
}

/** Decodes a PooledTransactions. */
export function decodePooledTransactions(data: Uint8Array): PooledTransactions {
  const r = RlpReader.message(data, WHAT_TXS, MAX_MESSAGE_SIZE);
  const m = { requestId: readRequestId(r), transactions: readTransactions(r, 'transactions') };
  r.done();
  return m;
}
