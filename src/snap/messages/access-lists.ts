/**
 * GetAccessLists (0x08) and AccessLists (0x09), snap/2 only (EIP-8189): block access lists by
 * block hash. Each entry of the reply is kept as received: the RLP empty string (0x80) says the
 * list is unavailable, since an empty list is itself a valid access list.
 */
import { DecodeError } from '../../common/errors.js';
import { encList } from '../../common/rlp-encode.js';
import { encHashList, encU64, openMessage, readHashes } from './fields.js';

/** `[request-id, [block-hash, ...], bytes]`. */
export interface GetAccessLists {
  requestId: bigint;
  hashes: Uint8Array[];
  bytes: bigint;
}

/** `[request-id, [access-list-or-empty-string, ...]]`: raw entries, positional to the request. */
export interface AccessLists {
  requestId: bigint;
  accessLists: Uint8Array[];
}

/** The entry for an unavailable access list: the RLP empty string. */
export const UNAVAILABLE_ACCESS_LIST: Uint8Array = Uint8Array.of(0x80);

export function encodeGetAccessLists(m: GetAccessLists): Uint8Array {
  return encList([encU64(m.requestId, 'requestId'), encHashList(m.hashes), encU64(m.bytes, 'bytes')]);
}

export function decodeGetAccessLists(data: Uint8Array): GetAccessLists {
  const r = openMessage(data, 'GetAccessLists');
  const m = { requestId: r.uint64('requestId'), hashes: readHashes(r, 'hashes'), bytes: r.uint64('bytes') };
  r.done();
  return m;
}

export function encodeAccessLists(m: AccessLists): Uint8Array {
  return encList([encU64(m.requestId, 'requestId'), encList(m.accessLists)]);
}

/** Decodes an AccessLists; each entry must be the empty string or a well-formed list. */
export function decodeAccessLists(data: Uint8Array): AccessLists {
  const r = openMessage(data, 'AccessLists');
  const requestId = r.uint64('requestId');
  const accessLists = r.listItems('accessLists', (l, i) => {
    const raw = l.raw(i).slice();
    if (raw[0]! < 0xc0 && raw[0] !== 0x80) throw new DecodeError('AccessLists', l.pathOf(i), 'expected a list or the empty string');
    return raw;
  });
  r.done();
  return { requestId, accessLists };
}
