/** Cryptographically secure randomness, on the active backend. */
import { backend } from './select.js';

/**
 * Small requests are served from a pool drawn this many bytes at a time: a draw from the
 * backend costs about 6 µs however few bytes it asks for (node:crypto's job set-up; 311 bytes
 * ~5.9 µs, 16 KiB ~8.2 µs measured), and an RLPx handshake asks twice, a dial once more for its
 * key. Each pooled byte is handed out once and zeroed in the pool as it is.
 */
export const RANDOM_POOL_BYTES = 16 * 1024;
/** Requests above this many bytes are drawn directly (they would empty the pool for little gain). */
export const RANDOM_POOLED_MAX = 1024;

let pool = new Uint8Array(0);
let poolAt = 0;

/** `n` random bytes. */
export function randomBytes(n: number): Uint8Array {
  if (n > RANDOM_POOLED_MAX) {
    const out = new Uint8Array(n);
    backend().randomFill(out);
    return out;
  }
  if (poolAt + n > pool.length) {
    if (pool.length === 0) pool = new Uint8Array(RANDOM_POOL_BYTES);
    backend().randomFill(pool);
    poolAt = 0;
  }
  const out = pool.slice(poolAt, poolAt + n);
  pool.fill(0, poolAt, (poolAt += n));
  return out;
}

/** Draws before {@link randomInt} gives up; each is rejected with probability < 1/2, so 2^-64. */
const MAX_DRAWS = 64;

/** A uniformly random integer in [min, max) (max - min <= 2^32), by rejection sampling. */
export function randomInt(min: number, max: number): number {
  const range = max - min;
  if (!Number.isInteger(min) || !Number.isInteger(max) || range <= 0 || range > 2 ** 32) {
    throw new RangeError(`randomInt: invalid range [${min}, ${max})`);
  }
  // The largest multiple of range below 2^32: values at or above it would bias the result.
  const limit = 2 ** 32 - (2 ** 32 % range);
  const buf = new Uint8Array(4);
  const view = new DataView(buf.buffer);
  for (let i = 0; i < MAX_DRAWS; i++) {
    backend().randomFill(buf);
    const v = view.getUint32(0);
    if (v < limit) return min + (v % range);
  }
  throw new Error('randomInt: the random source keeps returning rejected values');
}

/** A random (version 4, RFC 9562) UUID in its text form, as keystore files carry. */
export function randomUuid(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
