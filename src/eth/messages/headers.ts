/** GetBlockHeaders (0x03) and BlockHeaders (0x04). */
import { DecodeError } from '../../common/errors.js';
import { asBigUint, asBytes } from '../../common/rlp.js';
import { headersFromItem } from '../block.js';
import { asBool, asListOf, asRequestId, asUint64, checkLength, checkUint, decodeMessageRlp } from '../fields.js';
import type { BlockHeader } from '../header.js';
import { encBytes, encList, encUint, rlpListSpans } from '../rlp-raw.js';
import { encRequestId } from './request-id.js';

/** Where a header query starts: a block hash or a block number. */
export type BlockOrigin = { hash: Uint8Array } | { number: bigint };

/** `[request-id, [origin, amount, skip, reverse]]`. */
export interface GetBlockHeaders {
  requestId: bigint;
  origin: BlockOrigin;
  /** Maximum number of headers to return. */
  amount: bigint;
  /** Blocks skipped between consecutive headers. */
  skip: bigint;
  /** True to walk towards genesis. */
  reverse: boolean;
}

/** `[request-id, [header, ...]]`. */
export interface BlockHeaders {
  requestId: bigint;
  headers: BlockHeader[];
}

const WHAT_GET = 'GetBlockHeaders';
const WHAT_HDRS = 'BlockHeaders';

/** Encodes a GetBlockHeaders. */
export function encodeGetBlockHeaders(m: GetBlockHeaders): Uint8Array {
  const origin = 'hash' in m.origin ? encBytes(checkLength(m.origin.hash, 32, 'origin hash')) : encUint(checkUint(m.origin.number, 64, 'origin number'));
  return encList([
    encRequestId(m.requestId),
    encList([origin, encUint(checkUint(m.amount, 64, 'amount')), encUint(checkUint(m.skip, 64, 'skip')), encUint(m.reverse ? 1 : 0)]),
  ]);
}

/** Decodes a GetBlockHeaders. The origin is a hash if it is 32 bytes, a number if at most 8 (geth's rule). */
export function decodeGetBlockHeaders(data: Uint8Array): GetBlockHeaders {
  const l = asListOf(decodeMessageRlp(data, WHAT_GET), 2, WHAT_GET, 'message');
  const q = asListOf(l[1], 4, WHAT_GET, 'query');
  const o = asBytes(q[0], WHAT_GET, 'origin');
  let origin: BlockOrigin;
  if (o.length === 32) origin = { hash: o };
  else if (o.length <= 8) origin = { number: asBigUint(o, WHAT_GET, 'origin', 8) };
  else throw new DecodeError(WHAT_GET, 'origin', `expected a 32-byte hash or a number, got ${o.length} bytes`);
  return {
    requestId: asRequestId(l[0], WHAT_GET),
    origin,
    amount: asUint64(q[1], WHAT_GET, 'amount'),
    skip: asUint64(q[2], WHAT_GET, 'skip'),
    reverse: asBool(q[3], WHAT_GET, 'reverse'),
  };
}

/** Encodes a BlockHeaders from each header's original bytes. */
export function encodeBlockHeaders(m: BlockHeaders): Uint8Array {
  return encList([encRequestId(m.requestId), encList(m.headers.map((h) => h.raw))]);
}

/** Decodes a BlockHeaders; each header keeps its bytes and hash. */
export function decodeBlockHeaders(data: Uint8Array): BlockHeaders {
  const l = asListOf(decodeMessageRlp(data, WHAT_HDRS), 2, WHAT_HDRS, 'message');
  const spans = rlpListSpans(data, WHAT_HDRS, 'message');
  return { requestId: asRequestId(l[0], WHAT_HDRS), headers: headersFromItem(l[1], spans[1]!, WHAT_HDRS, 'headers') };
}
