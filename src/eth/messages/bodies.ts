/** GetBlockBodies (0x05) and BlockBodies (0x06). */
import { encodeBodyItem, readBody, type BlockBody } from '../../chain/block.js';
import { checkLength, readHashList } from '../../chain/fields.js';
import { readRequestId } from './request-id.js';
import { encBytes, encList } from '../../common/rlp-encode.js';
import { RlpReader } from '../../common/rlp-reader.js';
import { MAX_MESSAGE_SIZE } from '../protocol.js';
import { encRequestId } from './request-id.js';

/** `[request-id, [hash, ...]]`. */
export interface GetBlockBodies {
  requestId: bigint;
  hashes: Uint8Array[];
}

/** `[request-id, [body, ...]]`. */
export interface BlockBodies {
  requestId: bigint;
  bodies: BlockBody[];
}

const WHAT_GET = 'GetBlockBodies';
const WHAT_BODIES = 'BlockBodies';

/** Encodes a GetBlockBodies. */
export function encodeGetBlockBodies(m: GetBlockBodies): Uint8Array {
  return encList([encRequestId(m.requestId), encList(m.hashes.map((h) => encBytes(checkLength(h, 32, 'hash'))))]);
}

/** Decodes a GetBlockBodies. */
export function decodeGetBlockBodies(data: Uint8Array): GetBlockBodies {
  const r = RlpReader.message(data, WHAT_GET, MAX_MESSAGE_SIZE);
  const m = { requestId: readRequestId(r), hashes: readHashList(r, 'hashes') };
  r.done();
  return m;
}

/** Encodes a BlockBodies. */
export function encodeBlockBodies(m: BlockBodies): Uint8Array {
  return encList([encRequestId(m.requestId), encList(m.bodies.map(encodeBodyItem))]);
}

/** Decodes a BlockBodies. */
export function decodeBlockBodies(data: Uint8Array): BlockBodies {
  const r = RlpReader.message(data, WHAT_BODIES, MAX_MESSAGE_SIZE);
  const m = { requestId: readRequestId(r), bodies: r.listItems('bodies', readBody) };
  r.done();
  return m;
}
