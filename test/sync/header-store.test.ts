/** HeaderStore.appendAsync: the write runs off the event loop, the view moves only once it is on disk. */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDevnetChain } from '../../src/eth/devnet-chain.js';
import { HeaderStore } from '../../src/sync/header-store.js';

const chain = generateDevnetChain({ length: 40 }).blocks.map((b) => b.header);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'devp2p-ts-store-'));
  dirs.push(d);
  return d;
};

describe('HeaderStore.appendAsync', () => {
  it('moves the view only after the write, refuses a second append meanwhile, and reopens the same', async () => {
    const dir = tmp();
    const store = HeaderStore.open(dir);
    store.setTarget({ number: 40n, hash: chain[40]!.hash });
    store.append([chain[40]!]);
    const writing = store.appendAsync(chain.slice(20, 40));
    expect(store.lowest).toBe(40n); // not yet on disk: the view has not moved
    expect(() => store.append(chain.slice(0, 20))).toThrow(/in progress/);
    await expect(store.appendAsync(chain.slice(0, 20))).rejects.toThrow(/in progress/);
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
    expect(again.lowest).toBe(0n);
    for (const h of chain) expect(again.get(h.number)!.hash).toEqual(h.hash);
    again.close();
  });
});
