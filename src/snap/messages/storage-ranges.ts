/**
 * GetStorageRanges (0x02) and StorageRanges (0x03): storage slots of one or more accounts at a
 * state root; only the last range, when cut short or started past zero, comes with proofs.
 */
import { DecodeError } from '../../common/errors.js';
import { encBytes, encList } from '../../common/rlp-encode.js';
import { compareBytes } from '../bytes-order.js';
import { MAX_PROOF_NODES } from '../protocol.js';
import { encByteList, encHash, encHashList, encU64, openMessage, readByteList, readHashes } from './fields.js';

/** `[request-id, root, [account-hash, ...], origin, limit, bytes]`. */
export interface GetStorageRanges {
  requestId: bigint;
  root: Uint8Array;
  /** Hashes of the accounts whose storage is wanted. */
  accounts: Uint8Array[];
  /** First slot hash wanted of the first account (empty: from zero); at most 32 bytes. */
  origin: Uint8Array;
  /** Last slot hash wanted of the first account (empty: to the end); at most 32 bytes. */
  limit: Uint8Array;
  bytes: bigint;
}

/** One storage slot: the hash of its key and its value (RLP-encoded, as in the trie). */
export interface StorageData {
  hash: Uint8Array;
  body: Uint8Array;
}

/** `[request-id, [[[hash, body], ...], ...], [proof-node, ...]]`. */
export interface StorageRanges {
  requestId: bigint;
  /** One list per account served, in request order. */
  slots: StorageData[][];
  proof: Uint8Array[];
}

const WHAT_GET = 'GetStorageRanges';
const WHAT = 'StorageRanges';
/** A slot-hash bound longer than a hash is meaningless (geth takes the last 32 bytes; we refuse it). */
const MAX_BOUND_LENGTH = 32;

export function encodeGetStorageRanges(m: GetStorageRanges): Uint8Array {
  for (const [name, b] of [['origin', m.origin], ['limit', m.limit]] as const) {
    if (b.length > MAX_BOUND_LENGTH) throw new RangeError(`${name} longer than ${MAX_BOUND_LENGTH} bytes`);
  }
  return encList([encU64(m.requestId, 'requestId'), encHash(m.root, 'root'), encHashList(m.accounts), encBytes(m.origin), encBytes(m.limit), encU64(m.bytes, 'bytes')]);
}

export function decodeGetStorageRanges(data: Uint8Array): GetStorageRanges {
  const r = openMessage(data, WHAT_GET);
  const requestId = r.uint64('requestId');
  const root = r.hash('root');
  const accounts = readHashes(r, 'accounts');
  const origin = r.bytes('origin');
  if (origin.length > MAX_BOUND_LENGTH) throw new DecodeError(WHAT_GET, 'origin', `longer than ${MAX_BOUND_LENGTH} bytes`);
  const limit = r.bytes('limit');
  if (limit.length > MAX_BOUND_LENGTH) throw new DecodeError(WHAT_GET, 'limit', `longer than ${MAX_BOUND_LENGTH} bytes`);
  const bytes = r.uint64('bytes');
  r.done();
  return { requestId, root, accounts, origin, limit, bytes };
}

export function encodeStorageRanges(m: StorageRanges): Uint8Array {
  return encList([
    encU64(m.requestId, 'requestId'),
    encList(m.slots.map((list) => encList(list.map((s) => encList([encHash(s.hash), encBytes(s.body)]))))),
    encByteList(m.proof),
  ]);
}

/** Decodes a StorageRanges: slot hashes strictly ascending within each account, at most {@link MAX_PROOF_NODES} proof nodes. */
export function decodeStorageRanges(data: Uint8Array): StorageRanges {
  const r = openMessage(data, WHAT);
  const requestId = r.uint64('requestId');
  const slots = r.listItems('slots', (accounts, i) =>
    accounts.listItems(i, (l, j) => {
      const s = l.list(j);
      const slot = { hash: s.bytes('hash', 32), body: s.bytes('body') };
      s.done();
      return slot;
    }),
  );
  slots.forEach((list, i) => {
    for (let j = 1; j < list.length; j++) {
      if (compareBytes(list[j - 1]!.hash, list[j]!.hash) >= 0) throw new DecodeError(WHAT, `slots[${i}][${j}].hash`, 'slots not in strictly ascending hash order');
    }
  });
  const proof = readByteList(r, 'proof', MAX_PROOF_NODES);
  r.done();
  return { requestId, slots, proof };
}
