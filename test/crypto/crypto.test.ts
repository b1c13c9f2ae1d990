import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as noble from '@noble/secp256k1';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak256, KeccakState } from '../../src/crypto/keccak.js';
import {
  compress,
  CurvePoint,
  decompress,
  ecdh,
  generatePrivateKey,
  InvalidKeyError,
  publicKeyOf,
  recoverPublicKey,
  sign,
  validatePublicKey,
  verify,
} from '../../src/crypto/secp256k1.js';

noble.hashes.sha256 = sha256;
noble.hashes.hmacSha256 = (k: Uint8Array, m: Uint8Array) => hmac(sha256, k, m);

const key = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => noble.utils.isValidSecretKey(k));
const digest = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('secp256k1 on the active backend agrees with @noble/secp256k1', () => {
  it('public keys', () => {
    fc.assert(fc.property(key, (k) => {
      expect(publicKeyOf(k)).toEqual(noble.getPublicKey(k, false).subarray(1));
    }), { numRuns: 100 });
  });

  it('signatures: identical (RFC 6979, low-S) and recoverable by both', () => {
    fc.assert(fc.property(key, digest, (k, h) => {
      const sig = sign(h, k);
      const ref = noble.sign(h, k, { prehash: false, format: 'recovered' });
      expect(sig.subarray(0, 64)).toEqual(ref.subarray(1));
      expect(sig[64]).toBe(ref[0]);
      expect(recoverPublicKey(h, sig)).toEqual(publicKeyOf(k));
      expect(verify(h, sig.subarray(0, 64), publicKeyOf(k))).toBe(true);
      expect(verify(h, sig.subarray(0, 64), compress(publicKeyOf(k)))).toBe(true);
    }), { numRuns: 100 });
  });

  it('ECDH shared secrets (x coordinate)', () => {
    fc.assert(fc.property(key, key, (a, b) => {
      const s = ecdh(a, publicKeyOf(b));
      expect(s).toEqual(noble.getSharedSecret(a, noble.getPublicKey(b, true)).subarray(1));
      expect(ecdh(b, publicKeyOf(a))).toEqual(s);
      // A key checked once (CurvePoint) gives the same secret.
      expect(ecdh(a, CurvePoint.of(publicKeyOf(b)))).toEqual(s);
    }), { numRuns: 50 });
  });

  it('CurvePoint checks the key when made and keeps its own copy of it', () => {
    const a = generatePrivateKey();
    const b = generatePrivateKey();
    const pub = publicKeyOf(b).slice();
    const point = CurvePoint.of(pub);
    const secret = ecdh(a, pub);
    // Changing the caller's array afterwards (here: off the curve) changes nothing.
    pub[63]! ^= 1;
    expect(ecdh(a, point)).toEqual(secret);
    expect(() => CurvePoint.of(pub)).toThrow(InvalidKeyError);
    expect(() => CurvePoint.of(new Uint8Array(63))).toThrow(InvalidKeyError);
  });

  it('compress/decompress', () => {
    fc.assert(fc.property(key, (k) => {
      const pub = publicKeyOf(k);
      expect(decompress(compress(pub))).toEqual(pub);
    }), { numRuns: 50 });
  });

  it('refuses points off the curve, bad signatures and bad recovery ids with InvalidKeyError', () => {
    const k = generatePrivateKey();
    const pub = publicKeyOf(k).slice();
    pub[63]! ^= 1;
    expect(() => validatePublicKey(pub)).toThrow(InvalidKeyError);
    expect(() => ecdh(k, pub)).toThrow(InvalidKeyError);
    const h = new Uint8Array(32).fill(7);
    const sig = sign(h, k);
    expect(() => recoverPublicKey(h, Uint8Array.of(...sig.subarray(0, 64), 4))).toThrow(InvalidKeyError);
    expect(() => recoverPublicKey(h, new Uint8Array(65))).toThrow(InvalidKeyError);
    expect(() => recoverPublicKey(h, new Uint8Array(65).fill(0xff))).toThrow(InvalidKeyError);
    fc.assert(fc.property(fc.uint8Array({ minLength: 65, maxLength: 65 }), (s) => {
      try {
        recoverPublicKey(h, s);
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidKeyError);
      }
    }), { numRuns: 300 });
    // High-S form of a valid signature: refused by verify, as geth refuses it.
    const n = noble.Point.CURVE().n;
    const s = BigInt('0x' + Buffer.from(sig.subarray(32, 64)).toString('hex'));
    const high = Uint8Array.of(...sig.subarray(0, 32), ...Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex'));
    expect(verify(h, high, publicKeyOf(k))).toBe(false);
  });
});

describe('keccak on the active backend agrees with @noble/hashes', () => {
  it('one-shot and multi-part', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1000 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
      expect(keccak256(a, b)).toEqual(keccak_256(Uint8Array.of(...a, ...b)));
    }), { numRuns: 200 });
  });

  it('running states digest without finalising and stay independent', () => {
    const s1 = new KeccakState();
    const s2 = new KeccakState();
    const r1 = keccak_256.create();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (chunk) => {
      s1.update(chunk);
      s2.update(Uint8Array.of(1));
      r1.update(chunk);
      expect(s1.digest()).toEqual(r1.clone().digest());
    }), { numRuns: 100 });
  });
});
