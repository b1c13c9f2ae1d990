/** GetBlockHeaders (0x03) and BlockHeaders (0x04). */
import { DecodeError } from '../../common/errors.js';
import { readHeaders } from '../../chain/block.js';
import { checkLength, checkUint } from '../../chain/fields.js';
import { readRequestId } from './request-id.js';
import type { BlockHeader } from '../../chain/header.js';
import { readHeaderRecord, type HeaderRecord } from '../../chain/header-record.js';
import { encBytes, encList, encUint } from '../../common/rlp-encode.js';
import { RlpReader } from '../../common/rlp-reader.js';
import { MAX_MESSAGE_SIZE } from '../protocol.js';
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
  const r = RlpReader.message(data, WHAT_GET, MAX_MESSAGE_SIZE);
  const requestId = readRequestId(r);
  const q = r.list('query');
  let origin: BlockOrigin;
  const o = q.bytesView('origin');
  if (o.length === 32) origin = { hash: o.slice() };
  else if (o.length > 8) throw new DecodeError(WHAT_GET, 'query.origin', `expected a 32-byte hash or a number, got ${o.length} bytes`);
  else if (o.length > 0 && o[0] === 0) throw new DecodeError(WHAT_GET, 'query.origin', 'integer has leading zero bytes');
  else origin = { number: o.reduce((v, b) => (v << 8n) | BigInt(b), 0n) };
  const m = { requestId, origin, amount: q.uint64('amount'), skip: q.uint64('skip'), reverse: q.bool('reverse') };
  q.done();
  r.done();
  return m;
}

/** Encodes a BlockHeaders from each header's original bytes. */
export function encodeBlockHeaders(m: BlockHeaders): Uint8Array {
  return encList([encRequestId(m.requestId), encList(m.headers.map((h) => h.raw))]);
}

/** Decodes a BlockHeaders; each header keeps its bytes and hash. */
export function decodeBlockHeaders(data: Uint8Array): BlockHeaders {
  const r = RlpReader.message(data, WHAT_HDRS, MAX_MESSAGE_SIZE);
  const m = { requestId: readRequestId(r), headers: readHeaders(r, 'headers') };
  r.done();
  return m;
}

/** A BlockHeaders read as header records (see {@link readHeaderRecord}). */
export interface BlockHeaderRecords {
  requestId: bigint;
  headers: HeaderRecord[];
}

/**
 * Decodes a BlockHeaders into header records: every check {@link decodeBlockHeaders} makes,
 * without building each header's fields. The message is copied once and every record's bytes
 * are views into that copy, so the records of one message share one buffer (they are stored or
 * dropped together on the sync path this serves).
 */
export function decodeBlockHeaderRecords(data: Uint8Array): BlockHeaderRecords {
  const r = RlpReader.message(data.slice(), WHAT_HDRS, MAX_MESSAGE_SIZE);
  const m = { requestId: readRequestId(r), headers: r.listItems('headers', (h, i) => readHeaderRecord(h, `[${i}]`)) };
  r.done();
  return m;
}
