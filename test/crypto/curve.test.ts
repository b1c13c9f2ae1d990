/**
 * The pure backend's own point multiplication (src/crypto/pure/curve.ts) against
 * @noble/secp256k1's reference arithmetic: random and edge scalars, the GLV constants, and the
 * exceptional additions (equal and opposite points) that the wNAF loop can meet.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as noble from '@noble/secp256k1';
import { affine, bigToBytes32, bytesToBig, invert, isOnCurve, multiply, multiplyAddG, multiplyG, N, P, sqrt, xModNEquals } from '../../src/crypto/pure/curve.js';

const G = noble.Point.BASE;
const scalar = fc.bigInt({ min: 1n, max: N - 1n });
const edges = [1n, 2n, 3n, 7n, N - 1n, N - 2n, N >> 1n, (N >> 1n) + 1n, 1n << 127n, (1n << 128n) - 1n, 1n << 128n, (1n << 255n) % N];
const ref = (x: bigint, y: bigint, k: bigint) => noble.Point.fromAffine({ x, y }).multiply(k).toAffine();

describe('GLV + wNAF multiplication on Jacobian coordinates', () => {
  it('k·P equals noble for random points and scalars', () => {
    fc.assert(fc.property(scalar, scalar, (a, k) => {
      const p = G.multiply(a).toAffine();
      expect(multiply(p.x, p.y, k)).toEqual(ref(p.x, p.y, k));
    }), { numRuns: 60 });
  });

  it('k·P equals noble for scalars at the edges of the range and of the GLV split', () => {
    const p = G.multiply(0x1234567890abcdefn).toAffine();
    for (const k of edges) expect(multiply(p.x, p.y, k), `k = ${k}`).toEqual(ref(p.x, p.y, k));
    for (const k of edges) expect(multiply(G.x, G.y, k), `k = ${k}, P = G`).toEqual(G.multiply(k).toAffine());
  });

  it('the fixed-base comb k·G equals noble, for random keys and for digits at the edges of the signed recoding', () => {
    fc.assert(fc.property(scalar, (k) => {
      expect(multiplyG(k)).toEqual(G.multiply(k).toAffine());
    }), { numRuns: 100 });
    // 0x80 and 0x81 bytes sit on either side of the recoding's carry; 0x00 bytes take the decoy add.
    const patterns = [0x80n, 0x81n, 0xffn, 0x7fn, 0x00n].map((b) => BigInt('0x' + b.toString(16).padStart(2, '0').repeat(32)) % N);
    for (const k of [...edges, ...patterns, 128n, 129n, 256n, N - 128n].filter((k) => k > 0n)) expect(multiplyG(k), `k = ${k}`).toEqual(G.multiply(k).toAffine());
  });

  it('the endomorphism constants: λ·G = (β·Gx, Gy), through a split scalar', () => {
    const lambda = 0x5363ad4cc05c30e0a5261c028812645a122e22ea20816678df02967c1b23bd72n;
    const beta = 0x7ae96a2b657c07106e64479eac3434e99cf0497512f58995c1396c28719501een;
    expect(multiply(G.x, G.y, lambda)).toEqual({ x: (G.x * beta) % P, y: G.y });
  });

  it('u1·G + u2·P equals noble, including u1 = 0', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: N - 1n }), scalar, scalar, (u1, u2, a) => {
      const p = G.multiply(a).toAffine();
      const want = (u1 === 0n ? noble.Point.ZERO : G.multiply(u1)).add(noble.Point.fromAffine(p).multiply(u2));
      expect(affine(multiplyAddG(u1, p.x, p.y, u2))).toEqual(want.toAffine());
    }), { numRuns: 60 });
  });

  it('adds equal points by doubling and opposite points to infinity (P = G, so both tables meet)', () => {
    fc.assert(fc.property(scalar, (u) => {
      expect(affine(multiplyAddG(u, G.x, G.y, u))).toEqual(G.multiply((2n * u) % N).toAffine());
      expect(affine(multiplyAddG(u, G.x, G.y, N - u))).toBeUndefined();
      expect(xModNEquals(multiplyAddG(u, G.x, G.y, N - u), 0n)).toBe(false);
    }), { numRuns: 30 });
  });

  it('x mod n comparison without inversion', () => {
    fc.assert(fc.property(scalar, scalar, (u1, u2) => {
      fc.pre((u1 + u2) % N !== 0n); // (u1 + u2)·G at infinity has no x (the test above covers it)
      const j = multiplyAddG(u1, G.x, G.y, u2);
      const x = affine(j)!.x;
      expect(xModNEquals(j, x % N)).toBe(true);
      expect(xModNEquals(j, (x + 1n) % N)).toBe(false);
    }), { numRuns: 30 });
  });
});

describe('field helpers', () => {
  it('square roots exist exactly for quadratic residues', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: P - 1n }), (a) => {
      const r = sqrt(a);
      if (r === undefined) expect(modPow(a, (P - 1n) / 2n)).toBe(P - 1n);
      else expect((r * r) % P).toBe(a);
    }), { numRuns: 100 });
  });

  it('inversion mod p and mod n', () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: N - 1n }), (a) => {
      expect((a * invert(a, P)) % P).toBe(1n);
      expect((a * invert(a, N)) % N).toBe(1n);
    }), { numRuns: 100 });
  });

  it('curve membership and byte conversion', () => {
    expect(isOnCurve(G.x, G.y)).toBe(true);
    expect(isOnCurve(G.x, G.y + 1n)).toBe(false);
    expect(isOnCurve(G.x + P, G.y)).toBe(false);
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), (x) => {
      expect(bytesToBig(bigToBytes32(x), 0, 32)).toBe(x);
    }), { numRuns: 100 });
    expect(bytesToBig(new Uint8Array(0), 0, 0)).toBe(0n);
  });
});

function modPow(b: bigint, e: bigint): bigint {
  let r = 1n;
  b %= P;
  for (; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
  return r;
}
