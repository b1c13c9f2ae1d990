/**
 * A response's request ID and item count, read without decoding its items. geth checks every
 * response against the request it answers before decoding it (eth/protocols/eth, since #33835):
 * an unsolicited response, or one with more items than were asked for, is refused without
 * building anything. This gives a caller what it needs for the same check: the cost is a header
 * walk over the item list, a few nanoseconds per item.
 */
import { DecodeError } from '../../common/errors.js';
import { EthMessageCode, hasPaginatedReceipts, type EthVersion, MAX_MESSAGE_SIZE, messageNameForCode } from '../protocol.js';
import { RlpReader } from '../../common/rlp-reader.js';
import { topLevelValue } from './top-level.js';

/** What a response says about itself before its items are read. */
export interface ResponseSummary {
  requestId: bigint;
  /** Number of headers, bodies, per-block receipt lists or transactions. */
  items: number;
}

/** The name (in errors) of each response's item list. */
const RESPONSE_LISTS: Readonly<Record<number, string>> = {
  [EthMessageCode.BlockHeaders]: 'headers',
  [EthMessageCode.BlockBodies]: 'bodies',
  [EthMessageCode.Receipts]: 'receipts',
  [EthMessageCode.PooledTransactions]: 'transactions',
  [EthMessageCode.BlockAccessLists]: 'accessLists',
  [EthMessageCode.Cells]: 'hashes',
};

/**
 * Reads the request ID and the item count of response `code` (BlockHeaders, BlockBodies,
 * Receipts or PooledTransactions) of `version`, checking the size limit and the RLP framing up
 * to the end of the item list but not the items (bytes after the message's top-level value are
 * ignored, as `decodeEthMessage` ignores them). Throws {@link DecodeError} if those are
 * malformed, and RangeError for a code that is not a response of `version`.
 */
export function peekResponse(version: EthVersion, code: number, data: Uint8Array): ResponseSummary {
  const name = messageNameForCode(version, code);
  const list = RESPONSE_LISTS[code];
  if (name === undefined || list === undefined) throw new RangeError(`eth/${version} message 0x${code.toString(16)} is not a response`);
  const what = code === EthMessageCode.Receipts ? `eth/${version} Receipts` : name;
  const r = RlpReader.message(topLevelValue(data), what, MAX_MESSAGE_SIZE);
  const requestId = r.uint64('requestId');
  if (hasPaginatedReceipts(version) && code === EthMessageCode.Receipts) r.bool('lastBlockIncomplete');
  if (!r.nextIsList(list)) throw new DecodeError(what, list, 'expected a list');
  const items = r.list(list).count();
  // Cells carries its cell lists and mask after the hashes.
  if (code === EthMessageCode.Cells) {
    r.skip('cells');
    r.skip('mask');
  }
  r.done();
  return { requestId, items };
}
