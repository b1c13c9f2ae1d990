/**
 * The secp256k1 constants and the two checks the facade makes before any backend sees input:
 * scalar ranges against n and curve membership (y² = x³ + 7 mod p). Kept here, backend-free, so
 * both backends refuse the same inputs with the same errors.
 */

/** The field prime p. */
export const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
/** The group order n. */
export const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Big-endian bytes b[start..end) as an unsigned integer. */
export function bytesToBig(b: Uint8Array, start: number, end: number): bigint {
  let hex = '0x';
  for (let i = start; i < end; i++) hex += HEX[b[i]!];
  return hex.length === 2 ? 0n : BigInt(hex);
}

/** Whether (x, y), both reduced below p, is on the curve. */
export function isOnCurve(x: bigint, y: bigint): boolean {
  return x < P && y < P && (y * y) % P === (((x * x) % P) * x + 7n) % P;
}
