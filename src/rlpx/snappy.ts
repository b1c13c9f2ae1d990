/**
 * Snappy (block format) for p2p v5 messages (EIP-706). The decoded length is read from the
 * varint header and checked against the frame limit before anything is allocated, so a small
 * frame cannot make us allocate a huge buffer (a "length bomb").
 */
import snappy from 'snappyjs';
import { MAX_FRAME_SIZE } from './frame.js';
import { FrameError } from './errors.js';

/** Largest decompressed message we accept, as geth: the frame-size limit. */
export const MAX_UNCOMPRESSED_SIZE = MAX_FRAME_SIZE;

/** Reads the uncompressed length varint at the start of a snappy block. */
export function snappyDecodedLength(data: Uint8Array): number {
  let result = 0;
  for (let i = 0, shift = 0; i < 5 && i < data.length; i++, shift += 7) {
    const b = data[i]!;
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return result;
  }
  throw new FrameError('snappy: invalid length header');
}

export function snappyCompress(data: Uint8Array): Uint8Array {
  return snappy.compress(data);
}

/** Decompresses, refusing a decoded length over `limit` before decompressing. */
export function snappyUncompress(data: Uint8Array, limit = MAX_UNCOMPRESSED_SIZE): Uint8Array {
  const n = snappyDecodedLength(data);
  if (n > limit) throw new FrameError(`snappy: decoded length ${n} exceeds ${limit}`);
  try {
    return snappy.uncompress(data, limit);
  } catch (err) {
    throw new FrameError(`snappy: ${(err as Error).message}`);
  }
}
