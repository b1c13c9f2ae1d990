/** Transactions (0x02): full transactions pushed to a peer, without a request ID. */
import { encList } from '../rlp-raw.js';
import { RlpReader } from '../rlp-reader.js';
import { encodeTransactionItem, MAX_TRANSACTIONS_PER_MESSAGE, readTransaction, type Transaction } from '../transaction.js';

const WHAT = 'Transactions';

/** Encodes `[tx, ...]`. */
export function encodeTransactions(txs: readonly Transaction[]): Uint8Array {
  return encList(txs.map(encodeTransactionItem));
}

/** Decodes `[tx, ...]`: at most {@link MAX_TRANSACTIONS_PER_MESSAGE}, counted before any is read. */
export function decodeTransactions(data: Uint8Array): Transaction[] {
  return RlpReader.message(data, WHAT).items(readTransaction, MAX_TRANSACTIONS_PER_MESSAGE);
}
