/**
 * BlockRangeUpdate (0x11, eth/69+): the range of blocks a peer serves, sent when it changes.
 * geth disconnects a peer whose range is inverted or whose latest hash is zero; see
 * {@link isValidBlockRange}.
 */
import { checkLength, checkUint } from '../../chain/fields.js';
import { encBytes, encList, encUint } from '../../common/rlp-encode.js';
import { RlpReader } from '../../common/rlp-reader.js';
import { MAX_MESSAGE_SIZE } from '../protocol.js';

/** `[earliest, latest, latestHash]`. */
export interface BlockRangeUpdate {
  earliestBlock: bigint;
  latestBlock: bigint;
  latestBlockHash: Uint8Array;
}

const WHAT = 'BlockRangeUpdate';

/** Encodes a BlockRangeUpdate. */
export function encodeBlockRangeUpdate(u: BlockRangeUpdate): Uint8Array {
  return encList([
    encUint(checkUint(u.earliestBlock, 64, 'earliestBlock')),
    encUint(checkUint(u.latestBlock, 64, 'latestBlock')),
    encBytes(checkLength(u.latestBlockHash, 32, 'latestBlockHash')),
  ]);
}

/** Decodes a BlockRangeUpdate (shape only; see {@link isValidBlockRange}). */
export function decodeBlockRangeUpdate(data: Uint8Array): BlockRangeUpdate {
  const r = RlpReader.message(data, WHAT, MAX_MESSAGE_SIZE);
  const u = { earliestBlock: r.uint64('earliestBlock'), latestBlock: r.uint64('latestBlock'), latestBlockHash: r.hash('latestBlockHash') };
  r.done();
  return u;
}

/** geth's block range rule (BlockRangeUpdate and eth/69 Status): earliest <= latest, latest hash non-zero. */
export function isValidBlockRange(r: BlockRangeUpdate): boolean {
  return r.earliestBlock <= r.latestBlock && r.latestBlockHash.some((b) => b !== 0);
}
