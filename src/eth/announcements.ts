/**
 * The announcement rules of the eth protocol: NewBlockHashes and NewBlock exist on eth/68 only
 * (block announcements ended at the merge), BlockRangeUpdate on eth/69+ with a valid range, and
 * a new range goes out as geth sends it (`blockRangeState.shouldSend`); transactions go in
 * messages geth accepts.
 */
import type { BlockHeader } from '../chain/header.js';
import { MAX_TRANSACTIONS_PER_MESSAGE, type Transaction } from '../chain/transaction.js';
import { EthUnsupportedMessageError } from './errors.js';
import { isValidBlockRange, type BlockRangeUpdate } from './messages/block-range-update.js';
import type { EthVersion } from './protocol.js';

/** geth `blockRangeState.shouldSend`: announce the range again once the head moved this many blocks (or went back). */
export const BLOCK_RANGE_UPDATE_INTERVAL = 32n;

/** `txs` cut into Transactions messages: geth drops a peer that sends more than maxTransactionAnnouncements in one. */
export function transactionBatches(txs: readonly Transaction[]): Transaction[][] {
  const out: Transaction[][] = [];
  for (let i = 0; i < txs.length; i += MAX_TRANSACTIONS_PER_MESSAGE) out.push(txs.slice(i, i + MAX_TRANSACTIONS_PER_MESSAGE));
  return out;
}

/** Throws {@link EthUnsupportedMessageError} unless `version` has the block announcement `name` (eth/68 only). */
export function checkBlockAnnouncement(version: EthVersion, name: 'NewBlockHashes' | 'NewBlock'): void {
  if (version !== 68) throw new EthUnsupportedMessageError(name, version);
}

/** Throws {@link EthUnsupportedMessageError} on eth/68 and RangeError for an invalid range (the peer would disconnect us). */
export function checkBlockRangeUpdate(version: EthVersion, range: BlockRangeUpdate): void {
  if (version === 68) throw new EthUnsupportedMessageError('BlockRangeUpdate', version);
  if (!isValidBlockRange(range)) throw new RangeError(`invalid block range ${range.earliestBlock}..${range.latestBlock}`);
}

/**
 * The range to announce for a head that moved, or undefined: one goes out when the head is at
 * least {@link BLOCK_RANGE_UPDATE_INTERVAL} blocks past the last range sent (or went back).
 */
export function nextBlockRange(lastSent: BlockRangeUpdate | undefined, head: Pick<BlockHeader, 'number' | 'hash'>, earliest: bigint): BlockRangeUpdate | undefined {
  const moved = lastSent === undefined || head.number < lastSent.latestBlock || head.number - lastSent.latestBlock >= BLOCK_RANGE_UPDATE_INTERVAL;
  if (!moved) return undefined;
  return { earliestBlock: earliest < head.number ? earliest : head.number, latestBlock: head.number, latestBlockHash: head.hash };
}
