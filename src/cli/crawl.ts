/**
 * `devp2p-ts crawl`: walk discv4 from the bootnodes, check every node over RLPx (Hello and eth
 * Status), keep the results in a nodes file and print a summary (src/sync/crawler.ts).
 */
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { Discv4 } from '../discv4/discv4.js';
import { Crawler, type CrawlResult, DEFAULT_CRAWL_DURATION_MS, DEFAULT_CRAWL_PARALLEL } from '../sync/crawler.js';
import { formatCrawlSummary } from '../sync/crawl-summary.js';
import { DEFAULT_CHECK_TIMEOUT_MS } from '../sync/node-check.js';
import { loadNodesFile, type NodeSet } from '../sync/nodes-file.js';
import { NETWORK_OPTIONS, parseAddr, resolveNetwork, resolveNodeKey } from './common-options.js';
import { parseBootnodes, parseDuration, signalOnProcessStop } from './discv4.js';
import { parseIntOption, printJson, UsageError } from './output.js';

export const CRAWL_USAGE = `usage:
  devp2p-ts crawl [--bootnodes ENODES] [--network NAME | --genesis FILE --genesis-hash HASH] [--nodes FILE]
                  [--parallel 16] [--timeout MS] [--duration S] [--max-nodes N] [--addr HOST:PORT]
                  [--nodekey FILE] [--json]
      crawl the network: discv4 walk + RLPx Hello + eth Status per node; a summary by client,
      network and eth version; --nodes keeps results in a geth-style nodes.json and resumes from it.
      Without --duration the crawl ends when discovery finds nothing new (or after 30 min).`;

/** How often progress goes to stderr. */
const PROGRESS_INTERVAL_MS = 5_000;

export interface CrawlIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Ends the crawl early (tests); the CLI uses SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

const stdio: CrawlIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** Entry point for `devp2p-ts crawl ...`. */
export async function crawlCommand(args: string[], io: CrawlIo = stdio): Promise<CrawlResult> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...NETWORK_OPTIONS,
      bootnodes: { type: 'string' },
      nodes: { type: 'string' },
      parallel: { type: 'string' },
      timeout: { type: 'string' },
      duration: { type: 'string' },
      'max-nodes': { type: 'string' },
      addr: { type: 'string' },
      nodekey: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`crawl takes no positional arguments (got "${positionals[0]}")\n${CRAWL_USAGE}`);
  const network = await resolveNetwork(values);
  const bootnodes = parseBootnodes(values.bootnodes, network.bootnodes);
  const parallel = parseIntOption('parallel', values.parallel, DEFAULT_CRAWL_PARALLEL);
  if (parallel < 1) throw new UsageError('--parallel must be at least 1');
  const timeoutMs = parseIntOption('timeout', values.timeout, DEFAULT_CHECK_TIMEOUT_MS);
  if (timeoutMs < 1) throw new UsageError('--timeout must be at least 1 ms');
  // --duration is in seconds unless it carries a unit (90s, 5m, 1h, 500ms).
  const durationMs = values.duration === undefined ? undefined : parseDuration(/^\d+(\.\d+)?$/.test(values.duration.trim()) ? `${values.duration.trim()}s` : values.duration);
  const maxNodes = values['max-nodes'] === undefined ? undefined : parseIntOption('max-nodes', values['max-nodes'], 0);
  const addr = values.addr ? parseAddr('addr', values.addr) : { host: '0.0.0.0', port: 0 };
  let nodes: NodeSet = new Map();
  if (values.nodes) nodes = await loadNodesFile(values.nodes);
  if (bootnodes.length === 0 && nodes.size === 0) throw new UsageError('no bootnodes: give --bootnodes ENODES (or a --nodes file of known nodes)');
  const privateKey = await resolveNodeKey(values.nodekey);

  let discv4: Discv4;
  try {
    discv4 = await Discv4.listen({ ip: addr.host, port: addr.port }, { privateKey, bootnodes, ...(isIP(addr.host) === 4 && addr.host !== '0.0.0.0' ? { externalIp: addr.host } : {}) });
  } catch (err) {
    throw new Error(`cannot listen on ${addr.host}:${addr.port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const onStop = signalOnProcessStop();
  const signal = io.signal ? AbortSignal.any([io.signal, onStop.signal]) : onStop.signal;
  const t0 = Date.now();
  let progressOf: (() => string) | undefined;
  const progress = setInterval(() => progressOf && io.err(`crawl: ${progressOf()}, ${Math.round((Date.now() - t0) / 1000)} s\n`), PROGRESS_INTERVAL_MS);
  let result: CrawlResult;
  try {
    const crawler = new Crawler({
      discv4,
      network,
      privateKey,
      nodes,
      ...(values.nodes ? { nodesFile: values.nodes } : {}),
      parallel,
      timeoutMs,
      durationMs: durationMs ?? DEFAULT_CRAWL_DURATION_MS,
      stopWhenIdle: durationMs === undefined,
      ...(maxNodes !== undefined && maxNodes > 0 ? { maxNodes } : {}),
      signal,
    });
    crawler.on('save:failed', (err) => io.err(`crawl: cannot save ${values.nodes}: ${err.message}\n`));
    progressOf = () => {
      const p = crawler.progress;
      const s = crawler.summary();
      return `${p.found} found, ${p.checks} checks, ${s.reachable} reachable, ${s.eth} eth, ${p.queued} queued, ${p.running} running`;
    };
    result = await crawler.run();
  } finally {
    clearInterval(progress);
    onStop.abort();
    await discv4.close();
  }
  if (values.json) {
    const v = { endedBy: result.endedBy, ms: Math.round(result.ms), checks: result.checks, ...(values.nodes ? { nodesFile: values.nodes } : {}), network: network.name, ...result.summary };
    if (io === stdio) printJson(v);
    else io.out(JSON.stringify(v) + '\n');
  } else {
    io.out(`crawled ${network.name} for ${(result.ms / 1000).toFixed(1)} s (ended: ${result.endedBy}), ${result.checks} checks\n`);
    io.out(formatCrawlSummary(result.summary));
    if (values.nodes) io.out(`nodes file: ${values.nodes} (${result.nodes.size} nodes)\n`);
  }
  return result;
}
