/**
 * GetReceipts (0x0f) and Receipts (0x10) in their three forms:
 * - eth/68: receipts in consensus encoding (with bloom);
 * - eth/69 (EIP-7642): `[type, outcome, cumulativeGas, logs]`, no bloom;
 * - eth/70 (EIP-7975): receipts as eth/69, but paginated within a block: the request names
 *   the index of the first receipt wanted from the first block, and the response says whether
 *   its last block's list was cut short (`[request-id, lastBlockIncomplete, [...]]`).
 */
import { checkLength, checkUint, readHashList } from '../../chain/fields.js';
import { readRequestId } from './request-id.js';
import { encodeReceipt68Item, encodeReceipt69Item, readReceipt68, readReceipt69, type Receipt68, type Receipt69 } from '../../chain/receipt.js';
import { encBytes, encList, encUint } from '../../common/rlp-encode.js';
import { RlpReader } from '../../common/rlp-reader.js';
import { MAX_MESSAGE_SIZE } from '../protocol.js';
import { encRequestId } from './request-id.js';

/** eth/68 and eth/69 GetReceipts: `[request-id, [blockhash, ...]]`. */
export interface GetReceipts {
  requestId: bigint;
  hashes: Uint8Array[];
}

/** eth/70 GetReceipts: `[request-id, firstBlockReceiptIndex, [blockhash, ...]]`. */
export interface GetReceipts70 extends GetReceipts {
  /** Receipts of the first block before this index are omitted from the response. */
  firstBlockReceiptIndex: bigint;
}

/** eth/68 Receipts: `[request-id, [[receipt, ...], ...]]`, one list per block. */
export interface Receipts68 {
  requestId: bigint;
  receipts: Receipt68[][];
}

/** eth/69 Receipts: `[request-id, [[receipt, ...], ...]]`. */
export interface Receipts69 {
  requestId: bigint;
  receipts: Receipt69[][];
}

/** eth/70 Receipts: `[request-id, lastBlockIncomplete, [[receipt, ...], ...]]`. */
export interface Receipts70 extends Receipts69 {
  /** The last block's list does not hold all its receipts; ask again from where it stops. */
  lastBlockIncomplete: boolean;
}

const WHAT_GET = 'GetReceipts';
const WHAT_GET70 = 'eth/70 GetReceipts';
const WHAT_68 = 'eth/68 Receipts';
const WHAT_69 = 'eth/69 Receipts';
const WHAT_70 = 'eth/70 Receipts';

function encHashes(hashes: readonly Uint8Array[]): Uint8Array {
  return encList(hashes.map((h) => encBytes(checkLength(h, 32, 'hash'))));
}

/** One list of receipts per block; empty lists (one byte each) share one frozen array. */
function perBlock<R>(r: RlpReader, read: (r: RlpReader, index: number) => R): R[][] {
  return r.listItems('receipts', (blocks, i) => blocks.listItems(i, read));
}

/** Encodes an eth/68 or eth/69 GetReceipts. */
export function encodeGetReceipts(m: GetReceipts): Uint8Array {
  return encList([encRequestId(m.requestId), encHashes(m.hashes)]);
}

/** Decodes an eth/68 or eth/69 GetReceipts. */
export function decodeGetReceipts(data: Uint8Array): GetReceipts {
  const r = RlpReader.message(data, WHAT_GET, MAX_MESSAGE_SIZE);
  const m = { requestId: readRequestId(r), hashes: readHashList(r, 'hashes') };
  r.done();
  return m;
}

/** Encodes an eth/70 GetReceipts. */
export function encodeGetReceipts70(m: GetReceipts70): Uint8Array {
  return encList([encRequestId(m.requestId), encUint(checkUint(m.firstBlockReceiptIndex, 64, 'firstBlockReceiptIndex')), encHashes(m.hashes)]);
}

/** Decodes an eth/70 GetReceipts. */
export function decodeGetReceipts70(data: Uint8Array): GetReceipts70 {
  const r = RlpReader.message(data, WHAT_GET70, MAX_MESSAGE_SIZE);
  const m = { requestId: readRequestId(r), firstBlockReceiptIndex: r.uint64('firstBlockReceiptIndex'), hashes: readHashList(r, 'hashes') };
  r.done();
  return m;
}

/** Encodes an eth/68 Receipts. */
export function encodeReceipts68(m: Receipts68): Uint8Array {
  return encList([encRequestId(m.requestId), encList(m.receipts.map((b) => encList(b.map(encodeReceipt68Item))))]);
}

/** Decodes an eth/68 Receipts. */
export function decodeReceipts68(data: Uint8Array): Receipts68 {
  const r = RlpReader.message(data, WHAT_68, MAX_MESSAGE_SIZE);
  const m = { requestId: readRequestId(r), receipts: perBlock(r, readReceipt68) };
  r.done();
  return m;
}

/** Encodes an eth/69 Receipts. */
export function encodeReceipts69(m: Receipts69): Uint8Array {
  return encList([encRequestId(m.requestId), encList(m.receipts.map((b) => encList(b.map(encodeReceipt69Item))))]);
}

/** Decodes an eth/69 Receipts. */
export function decodeReceipts69(data: Uint8Array): Receipts69 {
  const r = RlpReader.message(data, WHAT_69, MAX_MESSAGE_SIZE);
  const m = { requestId: readRequestId(r), receipts: perBlock(r, readReceipt69) };
  r.done();
  return m;
}

/** Encodes an eth/70 Receipts. */
export function encodeReceipts70(m: Receipts70): Uint8Array {
  return encList([
    encRequestId(m.requestId),
    encUint(m.lastBlockIncomplete ? 1 : 0),
    encList(m.receipts.map((b) => encList(b.map(encodeReceipt69Item)))),
  ]);
}

/** Decodes an eth/70 Receipts. */
export function decodeReceipts70(data: Uint8Array): Receipts70 {
  const r = RlpReader.message(data, WHAT_70, MAX_MESSAGE_SIZE);
  const m = { requestId: readRequestId(r), lastBlockIncomplete: r.bool('lastBlockIncomplete'), receipts: perBlock(r, readReceipt69) };
  r.done();
  return m;
}
