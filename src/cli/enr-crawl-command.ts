/**
 * The body of `discv4 crawl` and `discv5 crawl`: load the nodes file, start the discovery node,
 * ask every node found for its ENR until the deadline or a stop (SIGINT/SIGTERM, or the caller's
 * signal), then write the file. Only the node differs between the two commands.
 */
import { setMaxListeners } from 'node:events';
import { crawlEnrs, type EnrCrawlNode } from '../sync/crawl/enr-crawl.js';
import { loadNodesFile, saveNodesFile } from '../sync/crawl/nodes-file.js';
import { signalOnProcessStop } from './process-stop.js';

/** How often a crawl reports its progress on stderr. */
export const CRAWL_PROGRESS_INTERVAL_MS = 5_000;

/** Where the crawl was told to read and write, and its bounds. */
export interface EnrCrawlCommandOptions {
  /** The nodes file to recheck first (the output file when none is given). */
  inPath: string;
  outPath: string;
  timeoutMs: number;
  /** ENR requests in flight at once. */
  parallel: number;
  /** Ends the crawl early (tests). */
  signal?: AbortSignal | undefined;
}

/** Crawls with the node `start` gives and writes the nodes file; prints progress and a summary. */
export async function crawlIntoNodesFile(
  start: () => Promise<EnrCrawlNode & { close(): Promise<void> }>,
  opts: EnrCrawlCommandOptions,
  io: { out: (text: string) => void; err: (text: string) => void },
): Promise<void> {
  const nodes = await loadNodesFile(opts.inPath);
  const node = await start();
  const onStop = signalOnProcessStop();
  const stop = AbortSignal.any([AbortSignal.timeout(opts.timeoutMs), ...(opts.signal ? [opts.signal] : []), onStop.signal]);
  // One abort listener per request in flight (up to --parallel plus lookups).
  setMaxListeners(0, stop);
  const counts = { seen: 0 };
  const progress = setInterval(() => io.err(`crawl: ${counts.seen} nodes seen, ${nodes.size} with ENR\n`), CRAWL_PROGRESS_INTERVAL_MS);
  try {
    await crawlEnrs(node, nodes, { signal: stop, parallel: opts.parallel }, counts);
  } finally {
    clearInterval(progress);
    onStop.abort();
    await node.close();
  }
  await saveNodesFile(opts.outPath, nodes.values());
  io.out(`wrote ${nodes.size} nodes to ${opts.outPath} (${counts.seen} seen)\n`);
}
