/**
 * Snappy block format: EIP-706 compresses every message after Hello with it (p2p v5).
 *
 * The codec is snappy-wasm (the Rust `snap` crate compiled to WebAssembly, shipped in the npm
 * package). On 1 MiB of the benchmark payload it compresses in ~2.3 ms and decompresses in
 * ~1.1 ms here, against ~9-10 ms and ~3 ms for pure JavaScript (snappyjs, and a tuned TS port
 * of golang/snappy we wrote and measured): compression was the largest single cost of a 1 MiB
 * message in the RLPx pipeline.
 *
 * The decoded length is read from the varint header and checked against the limit here, before
 * the decoder allocates anything, so a small frame cannot make us allocate a huge buffer.
 */
import { createRequire } from 'node:module';
import { FrameError } from './errors.js';

// snappy-wasm's Node build is CommonJS and loads its .wasm synchronously.
const snap = createRequire(import.meta.url)('snappy-wasm') as {
  compress_raw(input: Uint8Array): Uint8Array;
  decompress_raw(input: Uint8Array): Uint8Array;
};

/** Largest decompressed message we accept, as geth: the frame-size limit (2^24 - 1). */
export const MAX_UNCOMPRESSED_SIZE = 0xffffff;

/** Reads the uncompressed-length varint at the start of a snappy block. */
export function snappyDecodedLength(data: Uint8Array): number {
  let result = 0;
  for (let i = 0, shift = 0; i < 5 && i < data.length; i++, shift += 7) {
    const b = data[i]!;
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) {
      if (result > 0xffffffff) break;
      return result;
    }
  }
  throw new FrameError('snappy: invalid length header');
}

/** Compresses `data` into one snappy block. */
export function snappyCompress(data: Uint8Array): Uint8Array {
  return snap.compress_raw(data);
}

/** Decompresses a snappy block, refusing a decoded length over `limit` before decoding. */
export function snappyUncompress(data: Uint8Array, limit = MAX_UNCOMPRESSED_SIZE): Uint8Array {
  const n = snappyDecodedLength(data);
  if (n > limit) throw new FrameError(`snappy: decoded length ${n} exceeds ${limit}`);
  let out: Uint8Array;
  try {
    out = snap.decompress_raw(data);
  } catch (err) {
    throw new FrameError(`snappy: corrupt input (${err instanceof Error ? err.message : String(err)})`);
  }
  if (out.length !== n) throw new FrameError(`snappy: decoded ${out.length} bytes, header says ${n}`);
  return out;
}
