/** Transactions (0x02): full transactions pushed to a peer, without a request ID. */
import { encList } from '../../common/rlp-encode.js';
import { RlpReader } from '../../common/rlp-reader.js';
import { MAX_MESSAGE_SIZE } from '../protocol.js';
import { encodeTransactionItem, MAX_TRANSACTIONS_PER_MESSAGE, readTransaction, type Transaction } from '../../chain/transaction.js';
import { topLevelValue } from './top-level.js';

const WHAT = 'Transactions';

/** Encodes `[tx, ...]`. */
export function encodeTransactions(txs: readonly Transaction[]): Uint8Array {
  return encList(txs.map(encodeTransactionItem));
}

/** Decodes `[tx, ...]`: at most {@link MAX_TRANSACTIONS_PER_MESSAGE}, counted before any is read. */
export function decodeTransactions(data: Uint8Array): Transaction[] {
  return RlpReader.message(data, WHAT, MAX_MESSAGE_SIZE).items(readTransaction, MAX_TRANSACTIONS_PER_MESSAGE);
}

/**
 * How many transactions a received Transactions message holds, from a walk over its list
 * headers (nothing decoded); undefined if its framing is malformed (decoding then says how).
 * geth refuses more than 5000 only after decoding, as a subprotocol error, not a breach.
 */
export function countTransactions(data: Uint8Array): number | undefined {
  try {
    return RlpReader.message(topLevelValue(data), WHAT, MAX_MESSAGE_SIZE).count();
  } catch {
    return undefined;
  }
}
