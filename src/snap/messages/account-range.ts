/**
 * GetAccountRange (0x00) and AccountRange (0x01): a range of the account trie at a state root,
 * with the Merkle proofs of its first requested and last returned keys.
 */
import { DecodeError } from '../../common/errors.js';
import { compareBytes } from '../bytes-order.js';
import { encList } from '../../common/rlp-encode.js';
import { decodeSlimAccount } from '../account.js';
import { MAX_PROOF_NODES } from '../protocol.js';
import { encByteList, encHash, encU64, openMessage, readByteList } from './fields.js';

/** `[request-id, root, origin, limit, bytes]`. */
export interface GetAccountRange {
  requestId: bigint;
  /** State root to serve from. */
  root: Uint8Array;
  /** Hash of the first account wanted. */
  origin: Uint8Array;
  /** Hash of the last account wanted (the reply may pass it by one account). */
  limit: Uint8Array;
  /** Soft limit on the reply's size. */
  bytes: bigint;
}

/** One account of a reply: its hash and its body in slim encoding (kept as received). */
export interface AccountData {
  hash: Uint8Array;
  body: Uint8Array;
}

/** `[request-id, [[hash, slim-body], ...], [proof-node, ...]]`. */
export interface AccountRange {
  requestId: bigint;
  accounts: AccountData[];
  proof: Uint8Array[];
}

const WHAT_GET = 'GetAccountRange';
const WHAT = 'AccountRange';

export function encodeGetAccountRange(m: GetAccountRange): Uint8Array {
  return encList([encU64(m.requestId, 'requestId'), encHash(m.root, 'root'), encHash(m.origin, 'origin'), encHash(m.limit, 'limit'), encU64(m.bytes, 'bytes')]);
}

export function decodeGetAccountRange(data: Uint8Array): GetAccountRange {
  const r = openMessage(data, WHAT_GET);
  const m = { requestId: r.uint64('requestId'), root: r.hash('root'), origin: r.hash('origin'), limit: r.hash('limit'), bytes: r.uint64('bytes') };
  r.done();
  return m;
}

export function encodeAccountRange(m: AccountRange): Uint8Array {
  return encList([encU64(m.requestId, 'requestId'), encList(m.accounts.map((a) => encList([encHash(a.hash), a.body]))), encByteList(m.proof)]);
}

/**
 * Decodes an AccountRange: every body must be a well-formed slim account, hashes strictly
 * ascending (geth's handler refuses a reply out of order), at most {@link MAX_PROOF_NODES} proof nodes.
 */
export function decodeAccountRange(data: Uint8Array): AccountRange {
  const r = openMessage(data, WHAT);
  const requestId = r.uint64('requestId');
  const accounts = r.listItems('accounts', (l, i) => {
    const a = l.list(i);
    const hash = a.bytes('hash', 32);
    const body = a.raw('body').slice();
    a.done();
    decodeSlimAccount(body, WHAT);
    return { hash, body };
  });
  for (let i = 1; i < accounts.length; i++) {
    if (compareBytes(accounts[i - 1]!.hash, accounts[i]!.hash) >= 0) throw new DecodeError(WHAT, `accounts[${i}].hash`, 'accounts not in strictly ascending hash order');
  }
  const proof = readByteList(r, 'proof', MAX_PROOF_NODES);
  r.done();
  return { requestId, accounts, proof };
}
