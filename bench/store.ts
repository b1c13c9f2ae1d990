/**
 * The header store at scale, each run in a child process of its own (`--expose-gc`) so its RSS
 * is the store's and nothing else's: appends a synthetic mainnet-shaped chain top-down in the
 * chunks header sync hands it, then reopens it and looks headers up at random by number and
 * by hash.
 *
 * `store_ram_bytes_per_header` is the RSS growth per header after a warm-up (the first
 * {@link WARMUP_SHARE} of the chain), `store_open_ms_per_million` the reopen time over the
 * chain's length. `npm run bench` runs it with 2,000,000 headers; `npm run bench:scale`
 * (store-scale.ts) with 24,000,000.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { equalBytes } from '../src/common/bytes.js';
import { HeaderStore, STORE_DIR } from '../src/sync/headers/header-store.js';
import { SyntheticChain } from './synthetic-chain.js';

const CHILD_FLAG = '--store-bench-child';
/** Part of the chain appended before the RSS baseline is taken. */
const WARMUP_SHARE = 0.1;
/** Headers per append: about what header sync hands the store per connected batch. */
const APPEND_CHUNK = 4096;
const LOOKUPS = 10_000;

export interface StoreBenchResult {
  headers: number;
  /** RSS growth per header appended after the warm-up, bytes. */
  ramBytesPerHeader: number;
  /** RSS at the end of the append, MiB; and the peak over the whole child (getrusage). */
  appendRssMib: number;
  maxRssMib: number;
  /** Headers appended per second (store only: generating the synthetic headers is excluded). */
  appendPerS: number;
  /** Seconds spent generating the synthetic chain (both passes). */
  generateS: number;
  /** Bytes on disk per header (every file of the store). */
  diskBytesPerHeader: number;
  openMs: number;
  openMsPerMillion: number;
  /** Mean latency of a random lookup, microseconds. */
  lookupByNumberUs: number;
  lookupByHashUs: number;
  /** RSS after reopening and the lookups, MiB. */
  reopenRssMib: number;
}

const MiB = 1024 * 1024;

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g !== 'function') throw new Error('the store bench needs node --expose-gc');
  g();
  g();
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) n += statSync(join(dir, f)).size;
  return n;
}

/** Child side: the whole measurement. */
async function measure(headers: number, log: (s: string) => void): Promise<StoreBenchResult> {
  const head = headers - 1;
  let gen0 = performance.now();
  const chain = SyntheticChain.build(head, (n) => n % 4_000_000 < 65_536 && log(`  generated hashes of ${n} headers`));
  let generateMs = performance.now() - gen0;
  const datadir = mkdtempSync(join(tmpdir(), 'devp2p-ts-bench-store-'));
  try {
    const store = HeaderStore.open(datadir);
    store.setTarget({ number: BigInt(head), hash: chain.hash(head) });
    const warm = Math.floor(headers * WARMUP_SHARE);
    let appended = 0;
    let storeMs = 0;
    let rss0 = 0;
    let warmedAt = 0;
    for (let hi = head; hi >= 0; hi -= APPEND_CHUNK) {
      gen0 = performance.now();
      const chunk = chain.range(Math.max(0, hi - APPEND_CHUNK + 1), hi);
      const t0 = performance.now();
      generateMs += t0 - gen0;
      // The target first, alone, as header sync stores it.
      if (appended === 0) {
        store.append(chunk.slice(-1));
        store.append(chunk.slice(0, -1));
      } else store.append(chunk);
      storeMs += performance.now() - t0;
      appended += chunk.length;
      if (rss0 === 0 && appended >= warm) {
        gc();
        rss0 = process.memoryUsage().rss;
        warmedAt = appended;
      }
      if (appended % 2_000_000 < APPEND_CHUNK) log(`  appended ${appended} headers, rss ${(process.memoryUsage().rss / MiB).toFixed(0)} MiB`);
    }
    gc();
    const rss1 = process.memoryUsage().rss;
    if (store.lowest !== 0n) throw new Error(`store bench: lowest is ${store.lowest} after appending everything`);
    store.close();
    const diskBytes = dirBytes(join(datadir, STORE_DIR));

    const t0 = performance.now();
    const reopened = HeaderStore.open(datadir);
    const openMs = performance.now() - t0;
    if (reopened.lowest !== 0n || reopened.target?.number !== BigInt(head)) throw new Error('store bench: the reopened store lost its chain');
    const numbers = Array.from({ length: LOOKUPS }, () => Math.floor(Math.random() * headers));
    let t = performance.now();
    for (const n of numbers) if (reopened.get(BigInt(n)) === undefined) throw new Error(`store bench: header ${n} missing`);
    const byNumberUs = ((performance.now() - t) * 1000) / LOOKUPS;
    const hashes = numbers.map((n) => chain.hash((n * 7919) % headers));
    t = performance.now();
    for (const h of hashes) if (!equalBytes(reopened.getByHash(h)?.hash ?? new Uint8Array(0), h)) throw new Error('store bench: a header by hash is missing');
    const byHashUs = ((performance.now() - t) * 1000) / LOOKUPS;
    gc();
    const reopenRss = process.memoryUsage().rss;
    reopened.close();
    return {
      headers,
      ramBytesPerHeader: (rss1 - rss0) / (appended - warmedAt),
      appendRssMib: rss1 / MiB,
      maxRssMib: process.resourceUsage().maxRSS / 1024,
      appendPerS: headers / (storeMs / 1000),
      generateS: generateMs / 1000,
      diskBytesPerHeader: diskBytes / headers,
      openMs,
      openMsPerMillion: openMs / (headers / 1e6),
      lookupByNumberUs: byNumberUs,
      lookupByHashUs: byHashUs,
      reopenRssMib: reopenRss / MiB,
    };
  } finally {
    chain.close();
    rmSync(datadir, { recursive: true, force: true });
  }
}

/** Runs the store bench for `headers` headers in a child process. */
export function storeBench(opts: { headers: number; log?: (s: string) => void }): Promise<StoreBenchResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG, String(opts.headers)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: StoreBenchResult | undefined;
    child.on('message', (m: { log?: string; result?: StoreBenchResult; error?: string }) => {
      if (m.log !== undefined) opts.log?.(m.log);
      if (m.result !== undefined) result = m.result;
      if (m.error !== undefined) reject(new Error(m.error));
    });
    child.on('error', reject);
    child.on('exit', (code) => (result !== undefined ? resolve(result) : reject(new Error(`store bench child exited with code ${code}`))));
  });
}

if (process.argv[2] === CHILD_FLAG && import.meta.url === pathToFileURL(process.argv[1]!).href) {
  try {
    const result = await measure(Number(process.argv[3]), (log) => process.send!({ log }));
    process.send!({ result });
  } catch (err) {
    process.send!({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
  process.disconnect();
}
