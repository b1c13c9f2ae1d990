/**
 * Properties every registered decoder must have (test/fuzz/targets.ts): valid encodings
 * decode (and canonical ones re-encode to the same bytes), and arbitrary bytes, well-formed
 * RLP of the wrong shape, and mutations of valid encodings give only the target's typed errors.
 * `npm run fuzz` runs the same targets with the same mutations for longer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rlpEncode } from '../../src/common/rlp.js';
import { ETH_MESSAGES, ETH_VERSIONS } from '../../src/eth/protocol.js';
import { rlpValue } from '../eth/arbitraries.js';
import { mulberry32, mutate } from './mutate.js';
import { FUZZ_TARGETS, runInput, type FuzzTarget } from './targets.js';

/** Targets whose valid inputs cost public-key operations get fewer runs. */
const CRYPTO = new Set(['rlpx-auth-packet', 'rlpx-ack-packet', 'ecies', 'discv4-packet', 'discv4-body', 'enr', 'enr-text']);
const runs = (t: FuzzTarget) => ({ numRuns: CRYPTO.has(t.name) ? 40 : 100 });

function noBug(t: FuzzTarget, data: Uint8Array): void {
  const r = runInput(t, data);
  if (r.kind === 'bug') throw new Error(`${t.name}: ${r.why} on input ${Buffer.from(data.subarray(0, 64)).toString('hex')}${data.length > 64 ? '...' : ''}`);
}

describe('the registry', () => {
  it('has unique names usable as corpus directories', () => {
    const names = FUZZ_TARGETS.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z0-9-]+$/);
  });

  it('covers every layer: RLPx handshake and frames, base protocol, discv4, ENR, every eth message of every version', () => {
    const names = new Set(FUZZ_TARGETS.map((t) => t.name));
    for (const n of ['rlpx-auth-packet', 'rlpx-ack-packet', 'rlpx-frames', 'snappy', 'rlpx-hello', 'rlpx-disconnect', 'discv4-packet', 'enr', 'eth68-status', 'eth69-block-range-update', 'eth70-receipts']) {
      expect(names.has(n), n).toBe(true);
    }
    for (const v of ETH_VERSIONS) expect([...names].filter((n) => n.startsWith(`eth${v}-`)).length, `eth/${v}`).toBe(ETH_MESSAGES[v].length);
  });
});

for (const t of FUZZ_TARGETS) {
  describe(t.name, () => {
    it('valid encodings decode' + (t.reencode ? ' and re-encode to the same bytes' : ''), () => {
      fc.assert(
        fc.property(t.valid, (data) => {
          const r = runInput(t, data);
          if (r.kind !== 'ok') throw new Error(r.kind === 'bug' ? r.why : `rejected: ${r.error.message}`);
        }),
        runs(t),
      );
    });

    it('arbitrary bytes give only typed errors', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: Math.min(t.maxInput, 400) }), (data) => noBug(t, data)), runs(t));
    });

    it('well-formed RLP of arbitrary shape gives only typed errors', () => {
      fc.assert(fc.property(rlpValue, (v) => noBug(t, rlpEncode(v))), runs(t));
    });

    it('mutated valid encodings give only typed errors', () => {
      fc.assert(
        // Inputs stay small here (npm run fuzz goes up to 1 MiB).
        fc.property(t.valid, t.valid, fc.integer(), (a, b, seed) => noBug(t, mutate(a, mulberry32(seed), b, Math.min(t.maxInput, 16 * 1024)))),
        runs(t),
      );
    });
  });
}
