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
import { asList, rlpDecode, type RlpItem } from '../common/rlp.js';
import { keccak256 } from '../crypto/keccak.js';
import { encBytes, rlpListSpans } from './rlp-raw.js';

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

function checkLegacyFields(item: RlpItem[], what: string, field: string): void {
  if (item.length !== LEGACY_TX_FIELDS) {
    throw new DecodeError(what, field, `legacy transaction has ${item.length} fields, expected ${LEGACY_TX_FIELDS}`);
  }
  for (let i = 0; i < item.length; i++) {
    if (!(item[i] instanceof Uint8Array)) throw new DecodeError(what, `${field}[${i}]`, 'expected a byte string');
  }
}

/**
 * Reads a transaction from an element of a wire transaction list: `item` is the decoded
 * element and `span` its encoding (needed to keep a legacy transaction's exact bytes).
 */
export function transactionFromItem(item: RlpItem, span: Uint8Array, what: string, field: string): Transaction {
  if (item instanceof Uint8Array) {
    const type = checkTypedEnvelope(item, what, field);
    return { type, raw: item, hash: keccak256(item) };
  }
  checkLegacyFields(item, what, field);
  const raw = span.slice();
  return { type: 0, raw, hash: keccak256(raw) };
}

/** Reads a wire list of transactions from its decoded item and encoding. */
export function transactionsFromItem(item: RlpItem | undefined, span: Uint8Array, what: string, field: string): Transaction[] {
  const list = asList(item, what, field);
  if (list.length === 0) return [];
  // Spans are only needed for legacy transactions; typed ones are complete in the decoded item.
  const spans = list.some(Array.isArray) ? rlpListSpans(span, what, field) : undefined;
  if (spans !== undefined && spans.length !== list.length) throw new DecodeError(what, field, 'encoding does not match decoded list');
  return list.map((tx, i) => transactionFromItem(tx, spans?.[i] ?? new Uint8Array(0), what, `${field}[${i}]`));
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
  if (raw.length > 0 && raw[0]! > MAX_TX_TYPE) {
    const copy = raw.slice();
    const item = rlpDecode(copy, what);
    if (!Array.isArray(item)) throw new DecodeError(what, 'raw', 'expected a legacy transaction list');
    checkLegacyFields(item, what, 'raw');
    return { type: 0, raw: copy, hash: keccak256(copy) };
  }
  const copy = raw.slice();
  return { type: checkTypedEnvelope(copy, what, 'raw'), raw: copy, hash: keccak256(copy) };
}
