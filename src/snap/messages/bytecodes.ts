/** GetByteCodes (0x04) and ByteCodes (0x05): contract code by code hash. */
import { encList } from '../../common/rlp-encode.js';
import { encByteList, encHashList, encU64, openMessage, readByteList, readHashes } from './fields.js';

/** `[request-id, [code-hash, ...], bytes]`. */
export interface GetByteCodes {
  requestId: bigint;
  hashes: Uint8Array[];
  bytes: bigint;
}

/** `[request-id, [code, ...]]`: codes in request order, unknown ones left out. */
export interface ByteCodes {
  requestId: bigint;
  codes: Uint8Array[];
}

export function encodeGetByteCodes(m: GetByteCodes): Uint8Array {
  return encList([encU64(m.requestId, 'requestId'), encHashList(m.hashes), encU64(m.bytes, 'bytes')]);
}

export function decodeGetByteCodes(data: Uint8Array): GetByteCodes {
  const r = openMessage(data, 'GetByteCodes');
  const m = { requestId: r.uint64('requestId'), hashes: readHashes(r, 'hashes'), bytes: r.uint64('bytes') };
  r.done();
  return m;
}

export function encodeByteCodes(m: ByteCodes): Uint8Array {
  return encList([encU64(m.requestId, 'requestId'), encByteList(m.codes)]);
}

export function decodeByteCodes(data: Uint8Array): ByteCodes {
  const r = openMessage(data, 'ByteCodes');
  const m = { requestId: r.uint64('requestId'), codes: readByteList(r, 'codes') };
  r.done();
  return m;
}
