/** HeaderStore: the view from the target down, appends, resumed and forked syncs, reopening. */
import { afterEach, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { equalBytes } from '../../../src/common/bytes.js';
import { HEADER_CACHE_SIZE, HeaderStore, HeaderStoreError } from '../../../src/sync/headers/header-store.js';
import { chainOf, TempDirs } from './store-fixtures.js';

const chain = chainOf(40);
const tmp = new TempDirs();
afterEach(() => tmp.cleanup());

/** Stores `headers[lo..hi]` of a chain below `target`, top-down in chunks of `size`, as a sync would. */
function syncInto(store: HeaderStore, headers: readonly (typeof chain)[number][], target: number, lo: number, size = 7): void {
  store.setTarget({ number: BigInt(target), hash: headers[target]!.hash });
  if (store.lowest === undefined) store.append([headers[target]!]);
  while (store.lowest! > BigInt(lo)) {
    const hi = Number(store.lowest!) - 1;
    store.append(headers.slice(Math.max(lo, hi - size + 1), hi + 1));
  }
}

function expectView(store: HeaderStore, headers: readonly (typeof chain)[number][], target: number, lowest: number): void {
  expect(store.lowest).toBe(BigInt(lowest));
  expect(store.target?.number).toBe(BigInt(target));
  for (let n = lowest; n <= target; n++) expect(equalBytes(store.get(BigInt(n))!.hash, headers[n]!.hash), `header ${n}`).toBe(true);
  expect(store.get(BigInt(lowest - 1))).toBeUndefined();
  expect(store.get(BigInt(target + 1))).toBeUndefined();
}

describe('HeaderStore.appendAsync', () => {
  it('moves the view only after the write, refuses a second append meanwhile, and reopens the same', async () => {
    const dir = tmp.make();
    const store = HeaderStore.open(dir);
    store.setTarget({ number: 40n, hash: chain[40]!.hash });
    store.append([chain[40]!]);
    const writing = store.appendAsync(chain.slice(20, 40));
    expect(store.lowest).toBe(40n); // not yet on disk: the view has not moved
    expect(() => store.append(chain.slice(0, 20))).toThrow(/in progress/);
    await expect(store.appendAsync(chain.slice(0, 20))).rejects.toThrow(/in progress/);
    expect(() => store.setTarget({ number: 1n, hash: chain[1]!.hash })).toThrow(/in progress/);
    await writing;
    expect(store.lowest).toBe(20n);
    await store.appendAsync(chain.slice(0, 20));
    expect(store.lowest).toBe(0n);
    await expect(store.appendAsync(chain.slice(0, 1))).rejects.toThrow(/does not link/);
    // Every header stored once: the data file is their bytes back to back.
    const bytes = chain.reduce((n, h) => n + h.raw.length, 0);
    expect(statSync(join(dir, 'headers', 'headers.dat')).size).toBe(bytes);
    expect(store.size).toBe(chain.length);
    store.close();
    const again = HeaderStore.open(dir);
    expectView(again, chain, 40, 0);
    for (const h of chain) expect(again.getByHash(h.hash)!.number).toBe(h.number);
    again.close();
  });
});

describe('HeaderStore appends', () => {
  it('refuses chunks that do not extend the verified chain, with a typed error', () => {
    const store = HeaderStore.open(tmp.make());
    expect(() => store.append([chain[40]!])).toThrow(/no sync target/);
    store.setTarget({ number: 40n, hash: chain[40]!.hash });
    const refusal = (f: () => void) => {
      try {
        f();
      } catch (err) {
        return err as HeaderStoreError;
      }
      throw new Error('not refused');
    };
    expect(refusal(() => store.append([chain[39]!])).message).toMatch(/must end at the target/);
    store.append([chain[40]!]);
    expect(refusal(() => store.append(chain.slice(30, 38))).kind).toBe('chain');
    expect(refusal(() => store.append([chain[37]!, chain[39]!])).message).toMatch(/not a chain/);
    expect(store.lowest).toBe(40n);
    store.close();
  });

  it('a resumed sync to a newer head joins the headers an earlier sync stored, without storing them twice', () => {
    const long = chainOf(150);
    const dir = tmp.make();
    let store = HeaderStore.open(dir);
    syncInto(store, long, 100, 60);
    store.close();
    store = HeaderStore.open(dir);
    expectView(store, long, 100, 60);
    // The newer head: 150 down to 101, then the view reaches 60 through the old run.
    store.setTarget({ number: 150n, hash: long[150]!.hash });
    expect(store.lowest).toBeUndefined();
    store.append([long[150]!]);
    store.append(long.slice(101, 150));
    expectView(store, long, 150, 60);
    expect(store.size).toBe(91);
    syncInto(store, long, 150, 0);
    expectView(store, long, 150, 0);
    expect(store.size).toBe(151);
    store.close();
    store = HeaderStore.open(dir);
    expectView(store, long, 150, 0);
    store.close();
  });

  it('a chunk that runs into headers stored earlier writes only the new ones', () => {
    const long = chainOf(150);
    const store = HeaderStore.open(tmp.make());
    syncInto(store, long, 100, 60);
    store.setTarget({ number: 150n, hash: long[150]!.hash });
    store.append([long[150]!]);
    // 90..149: 90..100 are already stored.
    store.append(long.slice(90, 150));
    expectView(store, long, 150, 60);
    expect(store.size).toBe(91);
    store.append(long.slice(40, 60));
    expectView(store, long, 150, 40);
    store.close();
  });

  it('follows a target on another chain through the headers both chains share', () => {
    const a = chainOf(100, 'a');
    const b = chainOf(120, 'b', a[50]);
    const both = (n: number) => (n <= 50 ? a[n]! : b[n]!);
    const bChain = Array.from({ length: 121 }, (_, n) => both(n));
    const dir = tmp.make();
    let store = HeaderStore.open(dir);
    syncInto(store, a, 100, 0);
    // B forks after 50: a chunk reaching below the fork stores only B's own headers.
    store.setTarget({ number: 120n, hash: b[120]!.hash });
    store.append([b[120]!]);
    store.append(bChain.slice(70, 120));
    store.append(bChain.slice(30, 70));
    expectView(store, bChain, 120, 0);
    expect(store.size).toBe(101 + 70);
    // Both chains stay stored: by hash, either is found; by number, the target's chain.
    expect(store.getByHash(a[60]!.hash)!.number).toBe(60n);
    expect(equalBytes(store.get(60n)!.hash, b[60]!.hash)).toBe(true);
    store.close();
    store = HeaderStore.open(dir);
    expectView(store, bChain, 120, 0);
    // And back to A: its view is whole again without a write.
    store.setTarget({ number: 100n, hash: a[100]!.hash });
    expectView(store, a, 100, 0);
    store.close();
  });

  it('a target inside stored headers is served from them at once', () => {
    const store = HeaderStore.open(tmp.make());
    syncInto(store, chain, 40, 0);
    store.setTarget({ number: 25n, hash: chain[25]!.hash });
    expectView(store, chain, 25, 0);
    store.close();
  });

  it('keeps at most HEADER_CACHE_SIZE decoded headers, and reads the rest from disk', () => {
    const long = chainOf(HEADER_CACHE_SIZE + 500);
    const store = HeaderStore.open(tmp.make());
    syncInto(store, long, long.length - 1, 0, 2000);
    for (let n = 0; n < long.length; n++) expect(equalBytes(store.get(BigInt(n))!.hash, long[n]!.hash)).toBe(true);
    expect(store.stats().cachedHeaders).toBe(HEADER_CACHE_SIZE);
    for (let n = 0; n < 500; n++) expect(store.get(BigInt(n))!.number).toBe(BigInt(n));
    expect(store.stats().cachedHeaders).toBe(HEADER_CACHE_SIZE);
    store.close();
  });
});
