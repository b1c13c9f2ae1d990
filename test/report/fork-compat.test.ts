/**
 * The report's fork ID classes (src/report/fork-compat.ts) against the handshake's validator
 * (forkIdFilter, itself checked against geth's and EIP-2124's vectors): compatible and future
 * are what it accepts, stale is its remote-stale, incompatible its local-incompatible-or-stale.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { networkForkFilter, networkForkId } from '../../src/chain/chain-config.js';
import { MAINNET, SEPOLIA } from '../../src/chain/networks.js';
import { classifyForkId, forkStates, positionAt } from '../../src/report/fork-compat.js';
import { CRAWL_TIME_MS, MAINNET_FORK_IDS } from './fixtures.js';

const MAX = (1n << 64n) - 1n;
const EXPECTED_VALIDATION = { compatible: 'ok', future: 'ok', stale: 'remote-stale', incompatible: 'local-incompatible-or-stale' } as const;

describe('fork compatibility classes', () => {
  const at = positionAt(MAINNET, BigInt(CRAWL_TIME_MS / 1000));

  it('mainnet early 2026 (past bpo1): same state, behind but aware of the next fork, stale, ahead, unknown', () => {
    const f = MAINNET_FORK_IDS;
    expect(classifyForkId(MAINNET, f.bpo1, at)).toBe('compatible');
    expect(classifyForkId(MAINNET, f.osaka, at)).toBe('compatible');
    expect(classifyForkId(MAINNET, { hash: f.osaka.hash, next: 0n }, at)).toBe('stale');
    expect(classifyForkId(MAINNET, f.prague, at)).toBe('compatible');
    expect(classifyForkId(MAINNET, { hash: f.prague.hash, next: f.bpo1.next }, at)).toBe('stale');
    expect(classifyForkId(MAINNET, f.bpo2, at)).toBe('future');
    expect(classifyForkId(MAINNET, { hash: Uint8Array.of(1, 2, 3, 4), next: 0n }, at)).toBe('incompatible');
    // Our state, announcing as next a fork time we have passed: rule 1a.
    expect(classifyForkId(MAINNET, { hash: f.bpo1.hash, next: BigInt(CRAWL_TIME_MS / 1000) - 10n }, at)).toBe('incompatible');
  });

  it('a time past a time fork puts the head at the last block fork at least; a known head raises it', () => {
    const now = BigInt(CRAWL_TIME_MS / 1000);
    expect(positionAt(MAINNET, now).head).toBe(15_050_000n);
    expect(positionAt(MAINNET, now, 24_000_000n).head).toBe(24_000_000n);
    expect(positionAt(MAINNET, 1_000_000n, 42n)).toEqual({ head: 42n, time: 1_000_000n });
  });

  it('forkStates lists genesis and one state per fork, each ID as forkId computes it', () => {
    const states = forkStates(MAINNET);
    // 14 block forks as configured, 3 of them duplicates or repeats of the same block: 11 + 6 time forks.
    expect(states[0]).toEqual(networkForkId(MAINNET, 0n, 0n));
    expect(states[states.length - 1]).toEqual(networkForkId(MAINNET, MAX, MAX));
    expect(new Set(states.map((s) => Buffer.from(s.hash).toString('hex'))).size).toBe(states.length);
  });

  it('agrees with the handshake validator for any remote state, FORK_NEXT and position (property)', () => {
    for (const network of [MAINNET, SEPOLIA]) {
      const states = forkStates(network);
      const filter = networkForkFilter(network);
      const points = states.map((s) => s.next).filter((n) => n > 0n);
      const value = fc.oneof(fc.constantFrom(0n, ...points), fc.constantFrom(...points).map((p) => p - 1n), fc.constantFrom(...points).map((p) => p + 1n), fc.bigInt({ min: 0n, max: 2_000_000_000n }));
      fc.assert(
        fc.property(fc.integer({ min: 0, max: states.length }), value, value, fc.boolean(), (j, next, time, pastBlocks) => {
          const remote = j === states.length ? { hash: Uint8Array.of(9, 9, 9, 9), next } : { hash: states[j]!.hash, next };
          const pos = positionAt(network, time, pastBlocks ? 30_000_000n : time % 20_000_000n);
          const cls = classifyForkId(network, remote, pos);
          expect(filter(remote, pos.head, pos.time)).toBe(EXPECTED_VALIDATION[cls]);
        }),
        { numRuns: 500 },
      );
    }
  });
});
