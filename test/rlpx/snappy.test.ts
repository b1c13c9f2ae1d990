import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import snappyjs from 'snappyjs';
import { MAX_UNCOMPRESSED_SIZE, snappyCompress, snappyDecodedLength, snappyUncompress } from '../../src/rlpx/snappy.js';
import { FrameError } from '../../src/rlpx/errors.js';

describe('snappy', () => {
  it('round-trips arbitrary data', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), (data) => {
      expect(snappyUncompress(snappyCompress(data))).toEqual(data);
    }), { numRuns: 300 });
  });

  it('is interchangeable with snappyjs (another implementation of the block format)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), fc.integer({ min: 1, max: 64 }), (seed, reps) => {
      const data = new Uint8Array(seed.length * reps);
      for (let i = 0; i < reps; i++) data.set(seed, i * seed.length); // compressible
      expect(new Uint8Array(snappyjs.uncompress(snappyCompress(data)))).toEqual(data);
      expect(snappyUncompress(snappyjs.compress(data))).toEqual(data);
    }), { numRuns: 200 });
  });

  it('compresses repetitive data', () => {
    expect(snappyCompress(new Uint8Array(100_000)).length).toBeLessThan(5_000);
  });

  it('refuses a decoded length over the limit from the header alone (length bomb)', () => {
    const bomb = Uint8Array.of(0x80, 0x80, 0x80, 0x10, 0x00); // claims 2^25 bytes
    expect(snappyDecodedLength(bomb)).toBe(2 ** 25);
    expect(() => snappyUncompress(bomb)).toThrow(FrameError);
    expect(() => snappyUncompress(bomb)).toThrow(/exceeds 16777215/);
    expect(() => snappyUncompress(snappyCompress(new Uint8Array(1000)), 999)).toThrow(/exceeds 999/);
    expect(MAX_UNCOMPRESSED_SIZE).toBe(2 ** 24 - 1);
  });

  it('gives only FrameError on arbitrary or mutated input', () => {
    const sample = snappyCompress(new TextEncoder().encode('hello hello hello hello hello hello world'.repeat(20)));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (junk) => {
      try {
        snappyUncompress(junk);
      } catch (err) {
        expect(err).toBeInstanceOf(FrameError);
      }
    }), { numRuns: 2000 });
    fc.assert(fc.property(fc.integer({ min: 0, max: sample.length - 1 }), fc.integer({ min: 0, max: 255 }), (pos, val) => {
      const m = sample.slice();
      m[pos] = val;
      try {
        snappyUncompress(m);
      } catch (err) {
        expect(err).toBeInstanceOf(FrameError);
      }
    }), { numRuns: 2000 });
  });

  it('refuses a truncated or invalid length header', () => {
    expect(() => snappyUncompress(new Uint8Array())).toThrow(FrameError);
    expect(() => snappyUncompress(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x01))).toThrow(FrameError);
  });
});
