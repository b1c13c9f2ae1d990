/**
 * DNS discovery bench (`dnsdisc_tree_sync_ms`): the wall-clock time to download and check a
 * whole 10,000-node tree (10,838 TXT records: the root, the empty link branch, 836 branches, 10,000
 * ENRs) from a DNS
 * server on 127.0.0.1 (test/support/txt-server.ts in a worker thread), with a fresh client per
 * run, lookups one at a time, the lookup rate limit off:
 *
 * - ours: DnsClient.syncTree through node:dns (c-ares), every root signature, entry hash and ENR
 *   signature checked, with its default 8 lookups in flight, and one at a time as geth does
 *   (`dnsdisc_tree_sync_sequential_ms`);
 * - geth: go-ethereum v1.17.10's dnsdisc Client.SyncTree (what `devp2p dns sync` runs; bench/
 *   geth-dnsdisc) asking the same server through Go's resolver, its rate limit lifted too.
 *   `devp2p dns sync` itself cannot be pointed at a server (its resolver reads /etc/resolv.conf),
 *   and at its built-in 3 lookups/s that tree takes an hour; both facts are in the result.
 *
 * Absent Go, only ours is reported.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { keccak256 } from '../src/crypto/index.js';
import { DNS_RATE_LIMIT, DnsClient } from '../src/dnsdisc/client.js';
import { SystemTxtResolver } from '../src/dnsdisc/resolver.js';
import { makeTree } from '../src/dnsdisc/tree.js';
import { EnrBuilder } from '../src/enode/enr.js';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILD_TIMEOUT_MS = 20 * 60_000;
const DOMAIN = 'bench.nodes.example.org';

export interface DnsdiscBenchResult {
  nodes: number;
  records: number;
  /** Median of the runs, ms. */
  dnsdisc_tree_sync_ms: number;
  /** The same with one lookup at a time (geth's order). */
  dnsdisc_tree_sync_sequential_ms: number;
  geth_dnsdisc_tree_sync_ms?: number;
  dnsdisc_tree_sync_of_geth?: number;
  /** How long `devp2p dns sync` takes for the tree at geth's built-in rate limit (computed). */
  geth_cli_rate_limited_s: number;
  geth_skipped?: string;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Syncs an `nodes`-node tree `runs` times with each client. */
export async function dnsdiscBench(opts: { nodes: number; runs: number }): Promise<DnsdiscBenchResult> {
  const utf8 = new TextEncoder();
  const records = Array.from({ length: opts.nodes }, (_, i) =>
    new EnrBuilder()
      .ip(Uint8Array.of(10, (i >> 16) & 255, (i >> 8) & 255, i & 255))
      .tcp(30303)
      .udp(30303)
      .sign(keccak256(utf8.encode(`bench node ${i}`)), 1n),
  );
  const { tree, url } = makeTree(1n, records, []).sign(keccak256(utf8.encode('bench tree key')), DOMAIN);
  const txt = tree.toTxt(DOMAIN);
  const worker = new Worker(new URL('./dnsdisc-server-worker.js', import.meta.url), { workerData: [...txt] });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const server = `127.0.0.1:${port}`;
  try {
    const ours: number[] = [];
    const sequential: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      for (const [syncParallel, times] of [[undefined, ours], [1, sequential]] as const) {
        const client = new DnsClient({ resolver: new SystemTxtResolver({ servers: [server] }), rateLimit: Infinity, ...(syncParallel ? { syncParallel } : {}) });
        const t0 = performance.now();
        const synced = await client.syncTree(url);
        times.push(performance.now() - t0);
        client.close();
        if (synced.records().length !== opts.nodes) throw new Error(`synced ${synced.records().length} of ${opts.nodes} nodes`);
      }
    }
    const result: DnsdiscBenchResult = {
      nodes: opts.nodes,
      records: txt.size,
      dnsdisc_tree_sync_ms: Math.round(median(ours)),
      dnsdisc_tree_sync_sequential_ms: Math.round(median(sequential)),
      geth_cli_rate_limited_s: Math.round((txt.size - 10) / DNS_RATE_LIMIT),
    };
    const geth = await gethSync(server, url, opts.runs);
    if ('skipped' in geth) result.geth_skipped = geth.skipped;
    else {
      if (geth.nodes !== opts.nodes) throw new Error(`geth synced ${geth.nodes} of ${opts.nodes} nodes`);
      result.geth_dnsdisc_tree_sync_ms = Math.round(median(geth.ms));
      result.dnsdisc_tree_sync_of_geth = Math.round((median(ours) / median(geth.ms)) * 1000) / 1000;
    }
    return result;
  } finally {
    worker.postMessage('close');
    await new Promise((r) => worker.once('exit', r));
  }
}

async function gethSync(server: string, url: string, runs: number): Promise<{ ms: number[]; nodes: number } | { skipped: string }> {
  let bin: string;
  try {
    const env = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/local/go/bin` };
    bin = (await exec(`${ROOT}scripts/build-geth-bench.sh`, ['geth-dnsdisc'], { env, timeout: BUILD_TIMEOUT_MS })).stdout.trim();
  } catch (err) {
    return { skipped: `bench/geth-dnsdisc not built: ${(err as Error).message.split('\n')[0]}` };
  }
  const { stdout } = await exec(bin, ['-server', server, '-runs', String(runs), url], { timeout: 10 * 60_000 });
  return JSON.parse(stdout.trim()) as { ms: number[]; nodes: number };
}
