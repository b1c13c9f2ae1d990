/** GetBlockBodies (0x05) and BlockBodies (0x06). */
import { asList } from '../../common/rlp.js';
import { bodyFromItem, encodeBodyItem, type BlockBody } from '../block.js';
import { DecodeError } from '../../common/errors.js';
import { asHashList, asListOf, asRequestId, checkLength, decodeMessageRlp } from '../fields.js';
import { encBytes, encList, rlpListSpans } from '../rlp-raw.js';
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
  const l = asListOf(decodeMessageRlp(data, WHAT_GET), 2, WHAT_GET, 'message');
  return { requestId: asRequestId(l[0], WHAT_GET), hashes: asHashList(l[1], WHAT_GET, 'hashes') };
}

/** Encodes a BlockBodies. */
export function encodeBlockBodies(m: BlockBodies): Uint8Array {
  return encList([encRequestId(m.requestId), encList(m.bodies.map(encodeBodyItem))]);
}

/** Decodes a BlockBodies. */
export function decodeBlockBodies(data: Uint8Array): BlockBodies {
  const l = asListOf(decodeMessageRlp(data, WHAT_BODIES), 2, WHAT_BODIES, 'message');
  const bodies = asList(l[1], WHAT_BODIES, 'bodies');
  const spans = rlpListSpans(rlpListSpans(data, WHAT_BODIES, 'message')[1]!, WHAT_BODIES, 'bodies');
  if (spans.length !== bodies.length) throw new DecodeError(WHAT_BODIES, 'bodies', 'encoding does not match decoded list');
  return {
    requestId: asRequestId(l[0], WHAT_BODIES),
    bodies: bodies.map((b, i) => bodyFromItem(b, spans[i]!, WHAT_BODIES, `bodies[${i}]`)),
  };
}
