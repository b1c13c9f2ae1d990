/**
 * The EIP-2481 request-ID envelope `[request-id: P, payload]` that wraps every eth request
 * and response since eth/66. The typed codecs build their messages with it; it is exported
 * for messages this package has no typed codec for (e.g. eth/66 GetNodeData/NodeData).
 */
import { checkUint } from '../../chain/fields.js';
import { encList, encUint } from '../../common/rlp-encode.js';
import { RlpReader } from '../../common/rlp-reader.js';
import { MAX_MESSAGE_SIZE } from '../protocol.js';

/** A request or response split into its request ID and undecoded payload. */
export interface RequestIdEnvelope {
  requestId: bigint;
  /** The payload's encoding (one well-formed RLP item), for the caller to decode. */
  payloadRaw: Uint8Array;
}

/** Splits a `[request-id, payload]` message (size-checked, strict RLP). */
export function decodeRequestIdEnvelope(data: Uint8Array, what = 'request'): RequestIdEnvelope {
  const r = RlpReader.message(data, what, MAX_MESSAGE_SIZE);
  const env = { requestId: r.uint64('requestId'), payloadRaw: r.raw('payload').slice() };
  r.done();
  return env;
}

/** Builds `[request-id, payload]` from an already encoded payload. */
export function encodeRequestIdEnvelope(requestId: bigint, payloadRaw: Uint8Array): Uint8Array {
  return encList([encRequestId(requestId), payloadRaw]);
}

/** Encodes a request ID (uint64). */
export function encRequestId(requestId: bigint): Uint8Array {
  return encUint(checkUint(requestId, 64, 'requestId'));
}

/** The request ID that EIP-2481 puts first in every request and response (uint64). */
export function readRequestId(r: RlpReader): bigint {
  return r.uint64('requestId');
}
