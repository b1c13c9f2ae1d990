/**
 * The header store's files: the table's tail repair at open (what a kill -9 or a power loss can
 * leave), the run records, and the on-disk hash index with its merges.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, openSync, closeSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { equalBytes } from '../../../src/common/bytes.js';
import { HeaderStore } from '../../../src/sync/headers/header-store.js';
import { HASH_INDEX_BUFFER, HASH_INDEX_PAGE, HashIndex, runSync } from '../../../src/sync/headers/hash-index.js';
import { HeaderTable, TABLE_VERIFY_ITEMS, TABLE_WRITE_MAX_ITEMS } from '../../../src/sync/headers/header-table.js';
import { chainOf, TempDirs } from './store-fixtures.js';

const tmp = new TempDirs();
afterEach(() => tmp.cleanup());
const chain = chainOf(300);

/** A store holding 300..`lowest` of `chain`, appended in chunks of 10; returns its folder. */
function storeDown(lowest: number): string {
  const dir = tmp.make();
  const store = HeaderStore.open(dir);
  store.setTarget({ number: 300n, hash: chain[300]!.hash });
  store.append([chain[300]!]);
  for (let hi = 299; hi >= lowest; hi -= 10) store.append(chain.slice(Math.max(lowest, hi - 9), hi + 1));
  store.close();
  return dir;
}

const file = (dir: string, name: string) => join(dir, 'headers', name);

function reopen(dir: string): HeaderStore {
  const store = HeaderStore.open(dir);
  // Whatever was cut, the view is a chain from the target down.
  for (let n = 300n; n >= (store.lowest ?? 301n); n--) expect(equalBytes(store.get(n)!.hash, chain[Number(n)]!.hash)).toBe(true);
  return store;
}

describe('header table: the tail is repaired at open', () => {
  it('cuts data written without its index entries (a kill between the two writes)', () => {
    const dir = storeDown(200);
    appendFileSync(file(dir, 'headers.dat'), chain[199]!.raw);
    appendFileSync(file(dir, 'hashes.dat'), chain[199]!.hash);
    const store = reopen(dir);
    expect(store.truncatedBytes).toBe(chain[199]!.raw.length + 32);
    expect(store.lowest).toBe(200n);
    // And the sync continues from there.
    store.append(chain.slice(150, 200));
    expect(store.lowest).toBe(150n);
    store.close();
  });

  it('cuts a partial index entry', () => {
    const dir = storeDown(200);
    appendFileSync(file(dir, 'headers.idx'), Uint8Array.of(1, 2, 3));
    const store = reopen(dir);
    expect(store.truncatedBytes).toBe(3);
    expect(store.lowest).toBe(200n);
    store.close();
  });

  it('cuts index entries left as zeros by a power loss, with the data they named', () => {
    const dir = storeDown(200);
    const size = statSync(file(dir, 'headers.idx')).size;
    // The last 5 entries never reached the disk: the file was extended with zeros.
    const fd = openSync(file(dir, 'headers.idx'), 'r+');
    writeSync(fd, new Uint8Array(5 * 8), 0, 5 * 8, size - 5 * 8);
    closeSync(fd);
    const store = reopen(dir);
    expect(store.lowest).toBe(205n);
    expect(store.size).toBe(101 - 5);
    store.close();
  });

  it('cuts an item whose bytes no longer hash to its recorded hash, and everything after it', () => {
    const dir = storeDown(200);
    const fd = openSync(file(dir, 'headers.dat'), 'r+');
    // Garble a byte of the third item from the end.
    const tail = chain[200]!.raw.length + chain[201]!.raw.length + 10;
    writeSync(fd, Uint8Array.of(0xff), 0, 1, statSync(file(dir, 'headers.dat')).size - tail);
    closeSync(fd);
    const store = reopen(dir);
    expect(store.lowest).toBe(203n);
    store.close();
  });

  it('leaves an older garbled item to be found by the read that checks it (never served)', () => {
    const dir = storeDown(200);
    expect(TABLE_VERIFY_ITEMS).toBeLessThan(90);
    const fd = openSync(file(dir, 'headers.dat'), 'r+');
    // Item 0 is header 300, far from the tail.
    writeSync(fd, Uint8Array.of(0xee), 0, 1, 100);
    closeSync(fd);
    const store = HeaderStore.open(dir);
    expect(() => store.get(300n)).toThrow(/not the one recorded/);
    expect(store.get(250n)!.number).toBe(250n);
    store.close();
  });

  it('drops a run record whose run got no header (a kill right after it was written)', () => {
    const dir = storeDown(200);
    const runs = statSync(file(dir, 'runs.dat')).size;
    const rec = new Uint8Array(16);
    new DataView(rec.buffer).setUint32(0, 101, true);
    new DataView(rec.buffer).setUint32(8, 199, true);
    appendFileSync(file(dir, 'runs.dat'), rec);
    const store = reopen(dir);
    expect(statSync(file(dir, 'runs.dat')).size).toBe(runs);
    store.append(chain.slice(190, 200));
    store.close();
    const again = reopen(dir);
    expect(again.lowest).toBe(190n);
    again.close();
  });

  it('writes a long append in parts of TABLE_WRITE_MAX_ITEMS, each durable alone: zeros over the whole last part are cut, the parts before stay', () => {
    const long = chainOf(TABLE_WRITE_MAX_ITEMS + 100);
    const dir = tmp.make();
    const t = HeaderTable.open(dir);
    t.append(long);
    t.close();
    const idx = join(dir, 'headers.idx');
    const fd = openSync(idx, 'r+');
    // A power loss after the first part: the second part's 101 entries never reached the disk.
    writeSync(fd, new Uint8Array(101 * 8), 0, 101 * 8, TABLE_WRITE_MAX_ITEMS * 8);
    closeSync(fd);
    const again = HeaderTable.open(dir);
    expect(again.count).toBe(TABLE_WRITE_MAX_ITEMS);
    expect(equalBytes(again.read(TABLE_WRITE_MAX_ITEMS - 1), long[TABLE_WRITE_MAX_ITEMS - 1]!.raw)).toBe(true);
    again.close();
  });

  it('a table opened alone reads items in ranges, each its own copy', () => {
    const dir = tmp.make();
    const t = HeaderTable.open(dir);
    t.append(chain.slice(0, 50));
    const items = t.readRange(10, 20);
    expect(items.map((r) => r.length)).toEqual(chain.slice(10, 30).map((h) => h.raw.length));
    expect(items[0]!.buffer.byteLength).toBe(items[0]!.length);
    expect(equalBytes(t.hashAt(49), chain[49]!.hash)).toBe(true);
    expect(() => t.read(50)).toThrow(RangeError);
    t.close();
    truncateSync(join(dir, 'hashes.dat'), 40 * 32);
    const again = HeaderTable.open(dir);
    expect(again.count).toBe(40);
    again.close();
  });
});

describe('hash index', () => {
  /** A table of random hashes, as the index sees one. */
  function hashes(n: number): Uint8Array[] {
    return Array.from({ length: n }, () => new Uint8Array(randomBytes(32)));
  }

  function openIndex(dir: string, all: Uint8Array[]): HashIndex {
    return HashIndex.open(dir, all.length, (from, n) => {
      const out = new Uint8Array(n * 32);
      for (let i = 0; i < n; i++) out.set(all[from + i]!, i * 32);
      return out;
    });
  }

  const confirm = (all: Uint8Array[], h: Uint8Array) => (p: number) => p < all.length && equalBytes(all[p]!, h);

  it('merges its buffer into level files as a binary counter, and finds every hash (and no other) after reopening', () => {
    const dir = tmp.make();
    const all = hashes(3 * HASH_INDEX_BUFFER + 1000);
    const index = openIndex(dir, []);
    const levels: number[] = [];
    for (let i = 0; i < all.length; i++) {
      index.insert(all[i]!);
      if (index.needsMerge) {
        runSync(index.merge());
        levels.push(index.levelFiles);
      }
    }
    // 1, then 1 + 1 carried into one file of 2, then 1 beside it.
    expect(levels).toEqual([1, 1, 2]);
    expect(index.buffered).toBe(1000);
    const check = (ix: HashIndex) => {
      for (let i = 0; i < all.length; i += 97) expect(ix.find(all[i]!, confirm(all, all[i]!))).toBe(i);
      expect(ix.find(all[all.length - 1]!, confirm(all, all[all.length - 1]!))).toBe(all.length - 1);
      for (const h of hashes(200)) expect(ix.find(h, confirm(all, h))).toBeUndefined();
    };
    check(index);
    index.close();
    const again = openIndex(dir, all);
    expect(again.buffered).toBe(1000);
    check(again);
    again.close();
    // A lost manifest: the index is rebuilt from the table's hashes.
    rmSync(join(dir, 'hash-index.json'));
    const rebuilt = openIndex(dir, all);
    check(rebuilt);
    rebuilt.close();
  });

  it('finds a hash whose prefix fills more than a page, and deletes the files of a merge cut short', () => {
    const dir = tmp.make();
    // HASH_INDEX_BUFFER hashes, a page and a half of them sharing their first four bytes.
    const all = hashes(HASH_INDEX_BUFFER);
    for (let i = 0; i < HASH_INDEX_PAGE * 1.5; i++) all[i * 17]!.set([0x12, 0x34, 0x56, 0x78]);
    const index = openIndex(dir, []);
    for (const h of all) index.insert(h);
    runSync(index.merge());
    for (let i = 0; i < HASH_INDEX_PAGE * 1.5; i += 5) expect(index.find(all[i * 17]!, confirm(all, all[i * 17]!))).toBe(i * 17);
    index.close();
    writeFileSync(join(dir, 'hash-99.idx'), 'left by a merge that was killed');
    const again = openIndex(dir, all);
    expect(existsSync(join(dir, 'hash-99.idx'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.idx'))).toHaveLength(1);
    again.close();
  });
});
