/**
 * The fast backend's own snappy compressor (src/crypto/fast/snappy-compress.ts) against two
 * decoders it does not share code with: snappyjs, and the pure backend's strict tag walk
 * (`isWellFormed`, the reference decoders' rules). Its hash table outlives each call, so the
 * properties compress several inputs in a row on one instance: a stale entry that were taken
 * for a match would decode to wrong bytes or an offset outside the output.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import snappyjs from 'snappyjs';
import { maxCompressedLength, SnappyCompressor } from '../../src/crypto/fast/snappy-compress.js';
import { isWellFormed } from '../../src/crypto/pure/snappy.js';
import { snappyHeader } from '../../src/crypto/snappy.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function decodes(block: Uint8Array, data: Uint8Array): void {
  const { length, headerBytes } = snappyHeader(block);
  expect(length).toBe(data.length);
  expect(isWellFormed(block, headerBytes, length)).toBe(true);
  expect(hex(new Uint8Array(snappyjs.uncompress(block)))).toBe(hex(data));
  expect(block.length).toBeLessThanOrEqual(maxCompressedLength(data.length));
}

/** Repeats of a random seed with random bytes mixed in: literals, short and long copies. */
const compressible = fc.tuple(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 1, max: 300 }), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 20 }))
  .map(([seed, reps, noise]) => {
    const d = new Uint8Array(seed.length * reps);
    for (let i = 0; i < reps; i++) d.set(seed, i * seed.length);
    if (d.length > 0) for (const [at, v] of noise) d[at % d.length] = v;
    return d;
  });

describe('our snappy compressor', () => {
  it('gives blocks both decoders read back, call after call on one instance', () => {
    const c = new SnappyCompressor();
    fc.assert(fc.property(fc.array(fc.oneof(compressible, fc.uint8Array({ maxLength: 3000 })), { minLength: 1, maxLength: 4 }), (inputs) => {
      for (const d of inputs) decodes(c.compress(d), d);
    }), { numRuns: 200 });
  });

  it('compresses inputs across 64 KiB fragments, short tails and edge lengths', () => {
    const c = new SnappyCompressor();
    const pattern = (n: number, period: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i % period) * 7 + (i % 3));
    for (const n of [0, 1, 16, 17, 18, 60, 61, 256, 257, 65_535, 65_536, 65_537, 65_536 + 16, 65_536 + 17, 200_000]) {
      for (const d of [pattern(n, 61), new Uint8Array(n), Uint8Array.from({ length: n }, (_, i) => (Math.imul(i, 2654435761) >>> 13) & 0xff)]) decodes(c.compress(d), d);
    }
    expect(c.compress(new Uint8Array(100_000)).length).toBeLessThan(5_000);
  });

  it('clears its table when the entries\' base passes the limit, and still decodes', () => {
    const c = new SnappyCompressor(200_000);
    const d = Uint8Array.from({ length: 50_000 }, (_, i) => (i % 97) ^ (i >> 10));
    // Each call moves the base by ~50,000: several calls pass the 200,000 limit, some twice.
    for (let i = 0; i < 12; i++) decodes(c.compress(d), d);
  });
});
