/** Transactions (0x02): full transactions pushed to a peer, without a request ID. */
import { encList } from '../rlp-raw.js';
import { RlpReader } from '../rlp-reader.js';
import { encodeTransactionItem, readTransaction, type Transaction } from '../transaction.js';

const WHAT = 'Transactions';

/** Encodes `[tx, ...]`. */
export function encodeTransactions(txs: readonly Transaction[]): Uint8Array {
  return encList(txs.map(encodeTransactionItem));
}

/** Decodes `[tx, ...]`. */
export function decodeTransactions(data: Uint8Array): Transaction[] {
  return RlpReader.message(data, WHAT).map(readTransaction);
}
