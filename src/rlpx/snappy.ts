/**
 * Snappy for RLPx: EIP-706 compresses every message after Hello with the snappy block format.
 * The codec is the crypto layer's (snappyjs or snappy-wasm by backend); this module adds the
 * RLPx size limit and reports every failure as a {@link FrameError}.
 *
 * The decoded length is read from the varint header and checked against the limit before
 * anything is allocated, so a small frame cannot make us allocate a huge buffer.
 */
import { snappyCompress, snappyDecodedLength as decodedLength, snappyUncompress as uncompress } from '../crypto/snappy.js';
import { SnappyError } from '../crypto/errors.js';
import { FrameError } from './errors.js';

export { snappyCompress };

/** Largest decompressed message we accept, as geth: the frame-size limit (2^24 - 1). */
export const MAX_UNCOMPRESSED_SIZE = 0xffffff;

function asFrameError<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof SnappyError) throw new FrameError(err.message);
    throw err;
  }
}

/** Reads the uncompressed-length varint at the start of a snappy block. */
export function snappyDecodedLength(data: Uint8Array): number {
  return asFrameError(() => decodedLength(data));
}

/** Decompresses a snappy block, refusing a decoded length over `limit` before decoding. */
export function snappyUncompress(data: Uint8Array, limit = MAX_UNCOMPRESSED_SIZE): Uint8Array {
  return asFrameError(() => uncompress(data, limit));
}
