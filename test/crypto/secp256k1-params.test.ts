import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compare32, HALF_N_BYTES, isOnCurveBytes, isScalar, N, P } from '../../src/crypto/secp256k1-params.js';

const toBytes = (v: bigint, len = 32) => {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
};
const toBig = (b: Uint8Array) => b.reduce((v, x) => (v << 8n) | BigInt(x), 0n);
const G = { x: 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n, y: 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n };
/** 32-byte values, drawn more often right around n, n/2 and p, where byte comparisons can go wrong. */
const near = (c: bigint) => fc.bigInt(-3n, 3n).map((d) => (c + d) & ((1n << 256n) - 1n));
const value256 = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), near(0n), near(N), near(N >> 1n), near(P), fc.constant(2n ** 256n - 1n));

function powMod(b: bigint, e: bigint): bigint {
  let r = 1n;
  for (b %= P; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
  return r;
}

/** The curve point with the smallest positive x (p = 3 mod 4: sqrt(a) = a^((p+1)/4)). */
function smallPoint(): { x: bigint; y: bigint } {
  for (let x = 1n; ; x++) {
    const rhs = (x * x * x + 7n) % P;
    const y = powMod(rhs, (P + 1n) / 4n);
    if ((y * y) % P === rhs) return { x, y };
  }
}

describe('secp256k1 range and curve checks on bytes', () => {
  it('isScalar is 1 <= v < n, at any offset', () => {
    fc.assert(fc.property(value256, fc.nat(5), (v, off) => {
      const b = new Uint8Array(off + 32);
      b.set(toBytes(v), off);
      expect(isScalar(b, off)).toBe(v > 0n && v < N);
    }), { numRuns: 500 });
  });

  it('compare32 orders like the integers (high-S boundary at n/2)', () => {
    fc.assert(fc.property(value256, value256, (a, b) => {
      expect(Math.sign(compare32(toBytes(a), 0, toBytes(b)))).toBe(a < b ? -1 : a > b ? 1 : 0);
    }), { numRuns: 500 });
    expect(toBig(HALF_N_BYTES)).toBe(N >> 1n);
  });

  it('isOnCurveBytes accepts G and -G, refuses coordinates >= p and points off the curve', () => {
    const pt = (x: bigint, y: bigint) => new Uint8Array([...toBytes(x), ...toBytes(y)]);
    expect(isOnCurveBytes(pt(G.x, G.y))).toBe(true);
    expect(isOnCurveBytes(pt(G.x, P - G.y))).toBe(true);
    expect(isOnCurveBytes(pt(G.x, G.y + 1n))).toBe(false);
    // A point with a small x: x + p still fits in 32 bytes and satisfies the equation mod p,
    // but is not reduced: refused.
    const small = smallPoint();
    expect(isOnCurveBytes(pt(small.x, small.y))).toBe(true);
    expect(isOnCurveBytes(pt(small.x + P, small.y))).toBe(false);
    expect(isOnCurveBytes(pt(P, G.y))).toBe(false);
    fc.assert(fc.property(value256, value256, (x, y) => {
      expect(isOnCurveBytes(pt(x, y))).toBe(x < P && y < P && (y * y) % P === (x * x * x + 7n) % P);
    }), { numRuns: 300 });
  });
});
