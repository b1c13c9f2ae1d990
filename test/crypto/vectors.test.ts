/** Published known-answer vectors for the symmetric primitives, on the active backend (each project). */
import { describe, expect, it, vi } from 'vitest';
import { backend } from '../../src/crypto/select.js';
import { AesBlock, AesCtr, aesCtr } from '../../src/crypto/aes.js';
import { hmacSha256, sha256 } from '../../src/crypto/hash.js';
import { keccak256, KeccakState } from '../../src/crypto/keccak.js';
import { randomBytes, randomInt, RANDOM_POOL_BYTES, RANDOM_POOLED_MAX } from '../../src/crypto/random.js';

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

// NIST SP 800-38A, F.5.1 (CTR-AES128.Encrypt) and F.5.5 (CTR-AES256.Encrypt).
const CTR_IV = h('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
const CTR_PLAIN = h('6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710');
const CTR_VECTORS = [
  { key: h('2b7e151628aed2a6abf7158809cf4f3c'), cipher: '874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee' },
  { key: h('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4'), cipher: '601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6' },
];

describe('symmetric primitives against published vectors', () => {
  it('AES-CTR, NIST SP 800-38A F.5.1 and F.5.5: one shot and as a stream cut anywhere', () => {
    for (const v of CTR_VECTORS) {
      expect(hex(aesCtr(v.key, CTR_IV, CTR_PLAIN))).toBe(v.cipher);
      for (const cut of [1, 15, 16, 17, 33, 63]) {
        const s = new AesCtr(v.key, CTR_IV);
        const a = s.process(CTR_PLAIN.slice(0, cut));
        const b = s.process(CTR_PLAIN.slice(cut));
        expect(hex(a) + hex(b), `cut at ${cut}`).toBe(v.cipher);
      }
    }
  });

  it('AES-256 single block, FIPS-197 appendix C.3', () => {
    const block = h('00112233445566778899aabbccddeeff');
    new AesBlock(h('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')).encryptInPlace(block);
    expect(hex(block)).toBe('8ea2b7ca516745bfeafc49904b496089');
  });

  it('SHA-256 (FIPS 180-2 "abc") and HMAC-SHA-256 (RFC 4231 case 2)', () => {
    expect(hex(sha256(utf8('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(sha256(utf8('a'), utf8('bc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(hmacSha256(utf8('Jefe'), utf8('what do ya want '), utf8('for nothing?')))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('keccak-256 of "" and "abc" (the Keccak team\'s values, as Ethereum uses them), running and one-shot', () => {
    expect(hex(keccak256(new Uint8Array(0)))).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    expect(hex(keccak256(utf8('abc')))).toBe('4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45');
    const s = new KeccakState();
    expect(hex(s.digest())).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    expect(hex(s.update(utf8('a')).updateAndDigest(utf8('bc')))).toBe('4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45');
  });
});

describe('randomness', () => {
  it('fills any length (beyond the 64 KiB getRandomValues quota) and is not constant', () => {
    const big = randomBytes(200_000);
    expect(big.length).toBe(200_000);
    expect(big.subarray(150_000).some((b) => b !== 0)).toBe(true);
    expect(hex(randomBytes(32))).not.toBe(hex(randomBytes(32)));
  });

  it('small requests come from a pool drawn 16 KiB at a time, each byte handed out once; large ones are drawn directly', () => {
    const b = backend();
    const fill = vi.spyOn(b, 'randomFill');
    // 40 handshake-sized requests (12.6 KiB): at most one draw (a refill), not one per request.
    const outs = Array.from({ length: 40 }, () => randomBytes(315));
    expect(fill.mock.calls.length).toBeLessThanOrEqual(1);
    for (const c of fill.mock.calls) expect(c[0].length).toBe(RANDOM_POOL_BYTES);
    // No two requests share bytes (each 315-byte value is distinct; a reused slice would repeat).
    expect(new Set(outs.map(hex)).size).toBe(40);
    // Past the pool's end it refills: 16 KiB more of small requests draws again.
    fill.mockClear();
    for (let i = 0; i < RANDOM_POOL_BYTES / 512 + 1; i++) randomBytes(512);
    expect(fill.mock.calls.length).toBeGreaterThanOrEqual(1);
    fill.mockClear();
    expect(randomBytes(RANDOM_POOLED_MAX + 1).length).toBe(RANDOM_POOLED_MAX + 1);
    expect(fill.mock.calls.map((c) => c[0].length)).toEqual([RANDOM_POOLED_MAX + 1]);
    fill.mockRestore();
  });

  it('zeroes pooled bytes as it hands them out, so only unused bytes stay in memory', () => {
    const fill = vi.spyOn(backend(), 'randomFill');
    let pool: Uint8Array | undefined;
    for (let i = 0; i <= RANDOM_POOL_BYTES / 256 && pool === undefined; i++) {
      randomBytes(256);
      pool = fill.mock.calls.find((c) => c[0].length === RANDOM_POOL_BYTES)?.[0];
    }
    fill.mockRestore();
    expect(pool).toBeDefined();
    // The request that refilled took the first 256 bytes: zero in the pool now, the rest random.
    expect(pool!.subarray(0, 256).every((b) => b === 0)).toBe(true);
    expect(pool!.subarray(256).some((b) => b !== 0)).toBe(true);
    const next = randomBytes(100);
    expect(next.some((b) => b !== 0)).toBe(true);
    expect(pool!.subarray(256, 356).every((b) => b === 0)).toBe(true);
  });

  it('randomInt stays in [min, max) and reaches both ends', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const v = randomInt(100, 104);
      expect(v).toBeGreaterThanOrEqual(100);
      expect(v).toBeLessThan(104);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([100, 101, 102, 103]);
    expect(() => randomInt(5, 5)).toThrow(RangeError);
  });
});
