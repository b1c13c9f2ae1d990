/**
 * Transactions as the eth protocol carries them: opaque bytes with their type and hash.
 *
 * The wire form differs from the canonical ("binary") form only for typed transactions: in a
 * list of transactions (Transactions, PooledTransactions, block bodies) an EIP-2718 typed
 * transaction is an RLP byte string wrapping `type || payload`, while a legacy transaction is
 * its RLP list inline. Contents are not decoded here; signature and field checks belong to the
 * transaction pool.
 */
import { DecodeError } from '../common/errors.js';
import { keccak256 } from '../crypto/keccak.js';
import { encBytes } from './rlp-raw.js';
import { RlpReader } from './rlp-reader.js';

/** Largest EIP-2718 transaction type; bytes above it start an RLP list, i.e. a legacy transaction. */
export const MAX_TX_TYPE = 0x7f;
/** Number of fields of a legacy transaction: nonce, gasPrice, gas, to, value, data, v, r, s. */
const LEGACY_TX_FIELDS = 9;

/** A transaction in its canonical encoding, with type and hash. */
export interface Transaction {
  /** 0 for legacy, otherwise the EIP-2718 type byte (1..0x7f). */
  type: number;
  /** Canonical encoding: the RLP list for legacy, `type || payload` for typed. */
  raw: Uint8Array;
  /** keccak256(raw), the transaction hash. */
  hash: Uint8Array;
}

function checkTypedEnvelope(raw: Uint8Array, what: string, field: string): number {
  // A type byte alone has no payload (geth errShortTypedTx); type 0 is not an EIP-2718 envelope.
  if (raw.length < 2) throw new DecodeError(what, field, 'typed transaction too short');
  const type = raw[0]!;
  if (type === 0 || type > MAX_TX_TYPE) throw new DecodeError(what, field, `invalid transaction type 0x${type.toString(16)}`);
  return type;
}

/** Checks a legacy transaction's encoding: a list of exactly nine byte strings. */
function checkLegacy(raw: Uint8Array, what: string, path: string): void {
  const l = RlpReader.over(raw, what, path).list('', true);
  for (let i = 0; i < LEGACY_TX_FIELDS; i++) l.bytesView(`[${i}]`);
  l.done();
}

/**
 * Reads a transaction as the next element of a wire transaction list: a typed transaction
 * is a byte string holding its envelope, a legacy one an inline RLP list.
 */
export function readTransaction(r: RlpReader, name: string): Transaction {
  if (r.nextIsList(name)) {
    const raw = r.raw(name).slice();
    checkLegacy(raw, r.what, r.pathOf(name));
    return { type: 0, raw, hash: keccak256(raw) };
  }
  const raw = r.bytes(name);
  return { type: checkTypedEnvelope(raw, r.what, r.pathOf(name)), raw, hash: keccak256(raw) };
}

/** Reads a wire list of transactions as the next element of `r`. */
export function readTransactions(r: RlpReader, name: string): Transaction[] {
  return r.list(name).map(readTransaction);
}

/** The wire encoding of a transaction as a list element. */
export function encodeTransactionItem(tx: Transaction): Uint8Array {
  return tx.type === 0 ? tx.raw : encBytes(tx.raw);
}

/**
 * Builds a transaction from its canonical encoding (`type || payload`, or a legacy RLP list),
 * as found in a block explorer or `eth_getRawTransaction`. Throws {@link DecodeError} on bytes
 * that are neither.
 */
export function transactionFromRaw(raw: Uint8Array): Transaction {
  const what = 'Transaction';
  const copy = raw.slice();
  if (copy.length > 0 && copy[0]! > MAX_TX_TYPE) {
    if (copy[0]! < 0xc0) throw new DecodeError(what, 'raw', 'expected a typed envelope or a legacy transaction list');
    checkLegacy(copy, what, 'raw');
    return { type: 0, raw: copy, hash: keccak256(copy) };
  }
  return { type: checkTypedEnvelope(copy, what, 'raw'), raw: copy, hash: keccak256(copy) };
}
