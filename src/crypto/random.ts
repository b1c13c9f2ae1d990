/** Cryptographically secure randomness, on the active backend. */
import { backend } from './select.js';

/** `n` random bytes. */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  backend().randomFill(out);
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
