/**
 * The pure backend's keccak-256 (one-shot and the running states of the RLPx MACs, digested
 * from a reused clone) against a fresh @noble/hashes digest of the same bytes: any split of the
 * input into parts, at any alignment, digested at any point.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { keccak256, runningKeccak } from '../../src/crypto/pure/keccak.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** A part placed at a chosen offset inside a larger buffer, so its byteOffset varies. */
const part = fc.tuple(fc.uint8Array({ maxLength: 700 }), fc.nat(3)).map(([d, shift]) => {
  const holder = new Uint8Array(d.length + shift);
  holder.set(d, shift);
  return holder.subarray(shift);
});

describe('pure keccak-256', () => {
  it('one-shot over any parts equals @noble/hashes', () => {
    fc.assert(fc.property(fc.array(part, { maxLength: 6 }), (parts) => {
      const ref = keccak_256.create();
      for (const p of parts) ref.update(p);
      expect(hex(keccak256(parts))).toBe(hex(ref.digest()));
    }), { numRuns: 300 });
  });

  it('a running state digested after every part equals @noble/hashes, and stays open', () => {
    fc.assert(fc.property(fc.array(part, { minLength: 1, maxLength: 10 }), fc.boolean(), (parts, combined) => {
      const s = runningKeccak();
      const ref = keccak_256.create();
      const out = new Uint8Array(32);
      for (const p of parts) {
        if (combined) s.updateDigestInto(p, out);
        else {
          s.update(p);
          s.digestInto(out);
        }
        ref.update(p);
        expect(hex(out)).toBe(hex(ref.clone().digest()));
      }
    }), { numRuns: 200 });
  });

  it('block boundaries: every length around the 136-byte rate', () => {
    for (let len = 0; len <= 3 * 136 + 5; len++) {
      const d = Uint8Array.from({ length: len }, (_, i) => (i * 31 + len) & 0xff);
      expect(hex(keccak256([d])), `length ${len}`).toBe(hex(keccak_256(d)));
    }
  });
});
