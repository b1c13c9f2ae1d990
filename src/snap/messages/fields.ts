/**
 * Field helpers shared by the snap codecs: hashes, byte lists, uint64 fields, and the cut to the
 * top-level value that geth decodes of a message.
 */
import { encBytes, encList, encUint } from '../../common/rlp-encode.js';
import { RlpReader } from '../../common/rlp-reader.js';
import { SNAP_MAX_MESSAGE_SIZE } from '../protocol.js';

/** Opens a snap message body for reading: size-checked, strict, exactly one list. */
export function openMessage(data: Uint8Array, what: string): RlpReader {
  return RlpReader.message(data, what, SNAP_MAX_MESSAGE_SIZE);
}

/**
 * `data` cut to its first RLP value when that is a list followed by more bytes: what geth
 * decodes of a message (`p2p.Msg.Decode` reads one value; the rest is discarded). Inside the
 * value decoding stays strict.
 */
export function topLevelValue(data: Uint8Array): Uint8Array {
  if (data.length === 0 || data.length > SNAP_MAX_MESSAGE_SIZE || data[0]! < 0xc0) return data;
  try {
    return RlpReader.over(data, 'message').listEncoding('message');
  } catch {
    return data;
  }
}

/** Throws RangeError unless `v` fits in uint64 (encoders refuse what no peer could decode). */
export function encU64(v: bigint, name: string): Uint8Array {
  if (v < 0n || v >> 64n !== 0n) throw new RangeError(`${name} out of range for uint64: ${v}`);
  return encUint(v);
}

/** Encodes a 32-byte hash, refusing any other length. */
export function encHash(h: Uint8Array, name = 'hash'): Uint8Array {
  if (h.length !== 32) throw new RangeError(`${name} must be 32 bytes, got ${h.length}`);
  return encBytes(h);
}

/** Encodes a list of 32-byte hashes. */
export function encHashList(hashes: readonly Uint8Array[]): Uint8Array {
  return encList(hashes.map((h) => encHash(h)));
}

/** Reads a list of 32-byte hashes. */
export function readHashes(r: RlpReader, name: string): Uint8Array[] {
  return r.listItems(name, (l, i) => l.bytes(i, 32));
}

/** Reads a list of byte strings. */
export function readByteList(r: RlpReader, name: string, max = Infinity): Uint8Array[] {
  return r.listItems(name, (l, i) => l.bytes(i), max);
}

/** Encodes a list of byte strings. */
export function encByteList(items: readonly Uint8Array[]): Uint8Array {
  return encList(items.map(encBytes));
}
