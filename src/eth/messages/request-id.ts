/**
 * The EIP-2481 request-ID envelope `[request-id: P, payload]` that wraps every eth request
 * and response since eth/66. The typed codecs build their messages with it; it is exported
 * for messages this package has no typed codec for (e.g. eth/66 GetNodeData/NodeData).
 */
import type { RlpItem } from '../../common/rlp.js';
import { asListOf, asRequestId, checkUint, decodeMessageRlp } from '../fields.js';
import { encList, encUint, rlpListSpans } from '../rlp-raw.js';

/** A request or response split into its request ID and undecoded payload. */
export interface RequestIdEnvelope {
  requestId: bigint;
  /** The decoded payload item. */
  payload: RlpItem;
  /** The payload's encoding. */
  payloadRaw: Uint8Array;
}

/** Splits a `[request-id, payload]` message (size-checked, strict RLP). */
export function decodeRequestIdEnvelope(data: Uint8Array, what = 'request'): RequestIdEnvelope {
  const l = asListOf(decodeMessageRlp(data, what), 2, what, 'message');
  const spans = rlpListSpans(data, what, 'message');
  return { requestId: asRequestId(l[0], what), payload: l[1]!, payloadRaw: spans[1]!.slice() };
}

/** Builds `[request-id, payload]` from an already encoded payload. */
export function encodeRequestIdEnvelope(requestId: bigint, payloadRaw: Uint8Array): Uint8Array {
  return encList([encRequestId(requestId), payloadRaw]);
}

/** Encodes a request ID (uint64). */
export function encRequestId(requestId: bigint): Uint8Array {
  return encUint(checkUint(requestId, 64, 'requestId'));
}
