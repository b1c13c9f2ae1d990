/** Transactions (0x02): full transactions pushed to a peer, without a request ID. */
import { encList } from '../../common/rlp-encode.js';
import { RlpReader } from '../../common/rlp-reader.js';
import { MAX_MESSAGE_SIZE } from '../protocol.js';
import { encodeTransactionItem, MAX_TRANSACTIONS_PER_MESSAGE, readTransaction, type Transaction } from '../transaction.js';

const WHAT = 'Transactions';

/** Encodes `[tx, ...]`. */
export function encodeTransactions(txs: readonly Transaction[]): Uint8Array {
  return encList(txs.map(encodeTransactionItem));
}

/** Decodes `[tx, ...]`: at most {@link MAX_TRANSACTIONS_PER_MESSAGE}, counted before any is read. */
export function decodeTransactions(data: Uint8Array): Transaction[] {
  return RlpReader.message(data, WHAT, MAX_MESSAGE_SIZE).items(readTransaction, MAX_TRANSACTIONS_PER_MESSAGE);
}
