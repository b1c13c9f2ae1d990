/**
 * The secp256k1 constants and the two checks the facade makes before any backend sees input:
 * scalar ranges against n and curve membership (y² = x³ + 7 mod p). Kept here, backend-free, so
 * both backends refuse the same inputs with the same errors.
 *
 * Range checks compare bytes and allocate nothing; only the curve equation uses bigint. A
 * handshake makes ~25 of these checks, so they are kept cheap (the hex-string conversion they
 * used before allocated ~45 KiB per handshake).
 */

/** The field prime p. */
export const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
/** The group order n. */
export const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** 32 big-endian bytes of a value below 2^256. */
function bytes32(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

const P_BYTES = bytes32(P);
const N_BYTES = bytes32(N);
/** n/2: signatures with s above it are "high-S" (malleable). */
export const HALF_N_BYTES = bytes32(N >> 1n);

/** Compares the 32 big-endian bytes b[offset..offset+32) with `c`: negative, 0 or positive. */
export function compare32(b: Uint8Array, offset: number, c: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const d = b[offset + i]! - c[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** True if b[offset..offset+32) is a scalar in [1, n). */
export function isScalar(b: Uint8Array, offset: number): boolean {
  if (compare32(b, offset, N_BYTES) >= 0) return false;
  for (let i = 0; i < 32; i++) if (b[offset + i] !== 0) return true;
  return false;
}

/** Big-endian bytes b[start..end) (end - start a multiple of 8) as an unsigned integer. */
function bytesToBig(b: Uint8Array, start: number, end: number): bigint {
  const view = new DataView(b.buffer, b.byteOffset + start, end - start);
  let v = 0n;
  for (let i = 0; i < end - start; i += 8) v = (v << 64n) | view.getBigUint64(i);
  return v;
}

/** Whether the 64 bytes x || y at pub[0..64) are the coordinates of a point on the curve. */
export function isOnCurveBytes(pub: Uint8Array): boolean {
  if (compare32(pub, 0, P_BYTES) >= 0 || compare32(pub, 32, P_BYTES) >= 0) return false;
  const x = bytesToBig(pub, 0, 32);
  const y = bytesToBig(pub, 32, 64);
  return (y * y) % P === (((x * x) % P) * x + 7n) % P;
}
