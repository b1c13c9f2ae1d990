/**
 * A data directory written by the first header store format (`headers.log` + `target.json`) is
 * converted once at open; what cannot be converted, or a store of an unknown format, is refused
 * with a message that says what to do.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex, equalBytes } from '../../../src/common/bytes.js';
import type { BlockHeader } from '../../../src/chain/header.js';
import { HeaderStore, HeaderStoreError, STORE_FORMAT } from '../../../src/sync/headers/header-store.js';
import { chainOf, TempDirs } from './store-fixtures.js';

const tmp = new TempDirs();
afterEach(() => tmp.cleanup());

/** A record of the first format: 4-byte big-endian length, then the header's RLP. */
function record(h: BlockHeader): Uint8Array {
  const out = new Uint8Array(4 + h.raw.length);
  new DataView(out.buffer).setUint32(0, h.raw.length);
  out.set(h.raw, 4);
  return out;
}

/** What the first format left after syncing `chain` from `target` down to `lowest` in chunks of 8. */
function legacyStore(dir: string, chain: BlockHeader[], target: number, lowest: number): void {
  writeFileSync(join(dir, 'target.json'), JSON.stringify({ number: String(target), hash: bytesToHex(chain[target]!.hash) }));
  appendFileSync(join(dir, 'headers.log'), record(chain[target]!));
  for (let hi = target - 1; hi >= lowest; hi -= 8) for (const h of chain.slice(Math.max(lowest, hi - 7), hi + 1)) appendFileSync(join(dir, 'headers.log'), record(h));
}

function refusal(f: () => unknown): HeaderStoreError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(HeaderStoreError);
    return err as HeaderStoreError;
  }
  throw new Error('not refused');
}

describe('header store format', () => {
  const chain = chainOf(200);

  it('converts a first-format store once: same target, same verified range, old files gone', () => {
    const dir = tmp.make();
    legacyStore(dir, chain, 200, 50);
    // Headers of another chain and a torn record at the end, as the old store could leave.
    const other = chainOf(30, 'other');
    for (const h of other.slice(10, 20)) appendFileSync(join(dir, 'headers.log'), record(h));
    appendFileSync(join(dir, 'headers.log'), Uint8Array.of(0, 0, 2, 0, 0xf9));
    const store = HeaderStore.open(dir);
    expect(store.target?.number).toBe(200n);
    expect(store.lowest).toBe(50n);
    for (let n = 50; n <= 200; n++) expect(equalBytes(store.get(BigInt(n))!.hash, chain[n]!.hash)).toBe(true);
    expect(existsSync(join(dir, 'headers.log'))).toBe(false);
    expect(existsSync(join(dir, 'target.json'))).toBe(false);
    // It syncs on from where the old store stopped.
    store.append(chain.slice(0, 50));
    store.close();
    const again = HeaderStore.open(dir);
    expect(again.lowest).toBe(0n);
    again.close();
  });

  it('converts a store that had a target but no headers yet', () => {
    const dir = tmp.make();
    writeFileSync(join(dir, 'target.json'), JSON.stringify({ number: '200', hash: bytesToHex(chain[200]!.hash) }));
    const store = HeaderStore.open(dir);
    expect(store.target?.number).toBe(200n);
    expect(store.lowest).toBeUndefined();
    store.close();
  });

  it('redoes a conversion that was cut short, from the old files it left in place', () => {
    const dir = tmp.make();
    legacyStore(dir, chain, 200, 100);
    mkdirSync(join(dir, 'headers.converting'));
    writeFileSync(join(dir, 'headers.converting', 'headers.dat'), 'half a conversion');
    const store = HeaderStore.open(dir);
    expect(store.lowest).toBe(100n);
    expect(existsSync(join(dir, 'headers.converting'))).toBe(false);
    store.close();
  });

  it('refuses an old store it cannot read, saying which files to delete', () => {
    const dir = tmp.make();
    legacyStore(dir, chain, 200, 100);
    writeFileSync(join(dir, 'target.json'), '{"number": "200", "hash": "not hex"}');
    const err = refusal(() => HeaderStore.open(dir));
    expect(err.kind).toBe('migration');
    expect(err.message).toContain(`delete ${join(dir, 'headers.log')} and ${join(dir, 'target.json')}`);
    // Nothing was changed.
    expect(existsSync(join(dir, 'headers.log'))).toBe(true);
    expect(existsSync(join(dir, 'headers'))).toBe(false);
  });

  it('refuses a store of another format version, saying what to do', () => {
    const dir = tmp.make();
    HeaderStore.open(dir).close();
    writeFileSync(join(dir, 'headers', 'store.json'), JSON.stringify({ format: 'devp2p-ts header store', version: STORE_FORMAT + 1 }));
    const err = refusal(() => HeaderStore.open(dir));
    expect(err.kind).toBe('format');
    expect(err.message).toMatch(new RegExp(`v${STORE_FORMAT + 1}, this devp2p-ts reads v${STORE_FORMAT}: use the devp2p-ts that wrote it, or move .* away to sync again`));
  });
});
