/**
 * Snappy block format (EIP-706 compresses every devp2p message after Hello with it), on the
 * active backend: snappyjs (pure) or snappy-wasm (fast, Rust `snap`; ~4x faster to compress).
 *
 * The decoded length is read from the varint header and checked against the caller's limit
 * here, before any backend allocates, so a small block cannot make us allocate a huge buffer.
 */
import { backend } from './select.js';
import { SnappyError } from './errors.js';

/** Largest varint header: 5 bytes carry a 32-bit length. */
const MAX_HEADER_BYTES = 5;

/** The decoded length a snappy block announces, and the bytes its varint header takes. */
export function snappyHeader(data: Uint8Array): { length: number; headerBytes: number } {
  let result = 0;
  for (let i = 0, shift = 0; i < MAX_HEADER_BYTES && i < data.length; i++, shift += 7) {
    const b = data[i]!;
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) {
      if (result > 0xffffffff) break;
      return { length: result, headerBytes: i + 1 };
    }
  }
  throw new SnappyError('length-header', 'invalid length header');
}

/** The decoded length a snappy block announces (its varint header). */
export function snappyDecodedLength(data: Uint8Array): number {
  return snappyHeader(data).length;
}

/** Compresses `data` into one snappy block. */
export function snappyCompress(data: Uint8Array): Uint8Array {
  return backend().snappyCompress(data);
}

/**
 * Decompresses a snappy block, refusing a decoded length over `limit` before decoding;
 * throws {@link SnappyError} (`length-header`, `too-large` or `corrupt`).
 */
export function snappyUncompress(data: Uint8Array, limit: number): Uint8Array {
  const { length, headerBytes } = snappyHeader(data);
  if (length > limit) throw new SnappyError('too-large', `decoded length ${length} exceeds ${limit}`);
  const out = backend().snappyUncompress(data, length, headerBytes);
  if (!out) throw new SnappyError('corrupt', 'corrupt input');
  return out;
}
