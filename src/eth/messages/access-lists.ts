/**
 * eth/71 (EIP-8159) GetBlockAccessLists (0x12) and BlockAccessLists (0x13): block access lists
 * by block hash. Each reply entry is kept as received: the RLP empty string (0x80) marks an
 * unavailable list, since an empty list is itself a valid block access list.
 */
import { DecodeError } from '../../common/errors.js';
import { readHashList, checkLength } from '../../chain/fields.js';
import { encBytes, encList } from '../../common/rlp-encode.js';
import { RlpReader } from '../../common/rlp-reader.js';
import { MAX_MESSAGE_SIZE } from '../protocol.js';
import { encRequestId, readRequestId } from './request-id.js';

/** `[request-id, [block-hash, ...]]`. */
export interface GetBlockAccessLists {
  requestId: bigint;
  hashes: Uint8Array[];
}

/** `[request-id, [access-list-or-empty-string, ...]]`, positional to the request (the tail may be cut). */
export interface BlockAccessLists {
  requestId: bigint;
  /** Raw entries: an RLP list (the access list) or 0x80 (unavailable). */
  accessLists: Uint8Array[];
}

/** The entry of an unavailable block access list: the RLP empty string. */
export const UNAVAILABLE_BLOCK_ACCESS_LIST: Uint8Array = Uint8Array.of(0x80);

export function encodeGetBlockAccessLists(m: GetBlockAccessLists): Uint8Array {
  return encList([encRequestId(m.requestId), encList(m.hashes.map((h) => encBytes(checkLength(h, 32, 'hash'))))]);
}

export function decodeGetBlockAccessLists(data: Uint8Array): GetBlockAccessLists {
  const r = RlpReader.message(data, 'GetBlockAccessLists', MAX_MESSAGE_SIZE);
  const m = { requestId: readRequestId(r), hashes: readHashList(r, 'hashes') };
  r.done();
  return m;
}

export function encodeBlockAccessLists(m: BlockAccessLists): Uint8Array {
  return encList([encRequestId(m.requestId), encList(m.accessLists)]);
}

/** Decodes a BlockAccessLists; each entry must be a well-formed list or the empty string. */
export function decodeBlockAccessLists(data: Uint8Array): BlockAccessLists {
  const r = RlpReader.message(data, 'BlockAccessLists', MAX_MESSAGE_SIZE);
  const requestId = readRequestId(r);
  const accessLists = r.listItems('accessLists', (l, i) => {
    const raw = l.raw(i).slice();
    if (raw[0]! < 0xc0 && raw[0] !== 0x80) throw new DecodeError('BlockAccessLists', l.pathOf(i), 'expected a list or the empty string');
    return raw;
  });
  r.done();
  return { requestId, accessLists };
}
