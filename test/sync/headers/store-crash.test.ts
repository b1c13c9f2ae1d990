import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { equalBytes } from '../../../src/common/bytes.js';
import { HeaderStore } from '../../../src/sync/headers/header-store.js';

const WRITER = fileURLToPath(new URL('../../support/store-writer.mjs', import.meta.url));

/** Starts the writer, lets it write for `ms`, then kill -9s it. */
function writeThenKill(dir: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dir, '20000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) setTimeout(() => child.kill('SIGKILL'), ms);
    });
    child.on('exit', () => {
      clearTimeout(guard);
      resolve();
    });
    child.on('error', reject);
  });
}

function checkConsistent(store: HeaderStore): void {
  const t = store.target!;
  expect(store.lowest).toBeDefined();
  let h = store.get(t.number)!;
  expect(equalBytes(h.hash, t.hash)).toBe(true);
  for (let n = t.number - 1n; n >= store.lowest!; n--) {
    const below = store.get(n)!;
    expect(equalBytes(below.hash, h.parentHash)).toBe(true);
    h = below;
  }
}

describe('header store survives kill -9', () => {
  it('keeps a consistent verified chain after being killed mid-write, and resumes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'devp2p-ts-crash-'));
    try {
      await writeThenKill(dir, 150);
      let store = HeaderStore.open(dir);
      checkConsistent(store);
      const after1 = store.lowest!;
      expect(after1).toBeLessThan(20_000n);
      store.close();
      // A torn record at the end (as a kill during write() leaves) is cut off on open.
      appendFileSync(join(dir, 'headers', 'headers.dat'), Buffer.from([0, 0, 2, 0, 0xf9, 0x02]));
      store = HeaderStore.open(dir);
      expect(store.truncatedBytes).toBe(6);
      expect(store.lowest).toBe(after1);
      store.close();
      // A second run continues below where the first stopped.
      await writeThenKill(dir, 100);
      store = HeaderStore.open(dir);
      checkConsistent(store);
      expect(store.lowest!).toBeLessThanOrEqual(after1);
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
