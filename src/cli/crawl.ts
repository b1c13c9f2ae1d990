/**
 * `devp2p-ts crawl`: walk discv4 from the bootnodes, check every node over RLPx (Hello and eth
 * Status), keep the results in a nodes file and print a summary (src/sync/crawl/crawler.ts).
 */
import { isIP } from 'node:net';
import { Discv4 } from '../discv4/discv4.js';
import { Crawler, type CrawlResult, DEFAULT_CRAWL_DURATION_MS, DEFAULT_CRAWL_PARALLEL } from '../sync/crawl/crawler.js';
import { formatCrawlSummary } from '../sync/crawl/crawl-summary.js';
import { DEFAULT_CHECK_TIMEOUT_MS } from '../sync/crawl/node-check.js';
import { loadNodesFile, type NodeSet } from '../sync/crawl/nodes-file.js';
import { writeCrawlReport } from '../report/report-file.js';
import { defineCommand, parseCommand } from './command.js';
import type { Command } from './command-tree.js';
import { NETWORK_FLAGS, NODEKEY_FLAG, parseAddr, resolveNetwork, resolveNodeKey } from './common-options.js';
import { parseBootnodes } from './discv4.js';
import { signalOnProcessStop } from './process-stop.js';
import { formatDuration, MIN_TIMEOUT_MS, parseDurationFlag } from './duration.js';
import { jsonLine, ListenError, parseIntInRange, parseIntOption, UsageError } from './output.js';

/** The shortest --duration: a crawl shorter than this cannot even finish its first lookup. */
export const MIN_CRAWL_DURATION_MS = 1_000;
/** Most node checks in flight. */
export const MAX_CRAWL_PARALLEL = 1024;

const CRAWL = defineCommand({
  name: 'crawl',
  summary: 'crawl a network: discv4 walk, then RLPx Hello and eth Status per node; print a summary by client, network and eth version',
  description:
    `--nodes keeps the results in a geth-style nodes.json and resumes from it. Without --duration the crawl ends when discovery finds nothing new (or after ${formatDuration(DEFAULT_CRAWL_DURATION_MS)}).`,
  flags: {
    bootnodes: { type: 'string', value: 'ENODES', help: 'comma-separated enode/ENR URLs, or a network name; "" for none', defaultText: "the network's" },
    ...NETWORK_FLAGS,
    nodes: { type: 'string', value: 'FILE', help: 'nodes file to resume from and save to' },
    report: { type: 'string', value: 'FILE', help: 'also write the HTML report of the crawl here (see devp2p-ts report)' },
    parallel: { type: 'string', value: 'N', help: `node checks in flight (1-${MAX_CRAWL_PARALLEL})`, default: String(DEFAULT_CRAWL_PARALLEL) },
    timeout: { type: 'string', value: 'DURATION', help: 'bound on each node check (dial, Hello, Status): 500ms, 10s (a bare number is milliseconds)', default: formatDuration(DEFAULT_CHECK_TIMEOUT_MS) },
    duration: { type: 'string', value: 'DURATION', help: `crawl this long: 90s, 5m, 1h (a bare number is milliseconds; at least ${formatDuration(MIN_CRAWL_DURATION_MS)})` },
    'max-nodes': { type: 'string', value: 'N', help: 'stop after checking this many nodes (0: no limit)', default: '0' },
    addr: { type: 'string', value: 'IP:PORT', help: 'UDP address for discovery', default: '0.0.0.0:0' },
    ...NODEKEY_FLAG,
    json: { type: 'boolean', help: 'print one JSON summary (errors too)' },
  },
  examples: ['devp2p-ts crawl --network sepolia --nodes sepolia-nodes.json --duration 10m --report sepolia.html'],
});

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
  const { values } = parseCommand(CRAWL, args);
  const network = await resolveNetwork(values);
  const bootnodes = parseBootnodes(values.bootnodes, network.bootnodes);
  const parallel = parseIntInRange('parallel', values.parallel, DEFAULT_CRAWL_PARALLEL, 1, MAX_CRAWL_PARALLEL);
  const timeoutMs = parseDurationFlag('timeout', values.timeout, MIN_TIMEOUT_MS);
  const durationMs = values.duration === undefined ? undefined : parseDurationFlag('duration', values.duration, MIN_CRAWL_DURATION_MS);
  const maxNodes = parseIntOption('max-nodes', values['max-nodes'], 0);
  const addr = parseAddr('addr', values.addr);
  let nodes: NodeSet = new Map();
  if (values.nodes) nodes = await loadNodesFile(values.nodes);
  if (bootnodes.length === 0 && nodes.size === 0) throw new UsageError('no bootnodes: give --bootnodes ENODES (or a --nodes file of known nodes)');
  const privateKey = await resolveNodeKey(values.nodekey);

  let discv4: Discv4;
  try {
    discv4 = await Discv4.listen({ ip: addr.host, port: addr.port }, { privateKey, bootnodes, ...(isIP(addr.host) === 4 && addr.host !== '0.0.0.0' ? { externalIp: addr.host } : {}) });
  } catch (err) {
    throw new ListenError(`${addr.host}:${addr.port}`, err);
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
      ...(maxNodes > 0 ? { maxNodes } : {}),
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
  if (values.report) await writeCrawlReport(values.report, result.nodes.values(), { network });
  if (values.json) {
    const v = { endedBy: result.endedBy, ms: Math.round(result.ms), checks: result.checks, ...(values.nodes ? { nodesFile: values.nodes } : {}), ...(values.report ? { reportFile: values.report } : {}), network: network.name, ...result.summary };
    io.out(jsonLine(v));
  } else {
    io.out(`crawled ${network.name} for ${(result.ms / 1000).toFixed(1)} s (ended: ${result.endedBy}), ${result.checks} checks\n`);
    io.out(formatCrawlSummary(result.summary));
    if (values.nodes) io.out(`nodes file: ${values.nodes} (${result.nodes.size} nodes)\n`);
    if (values.report) io.out(`report: ${values.report}\n`);
  }
  return result;
}

export const CRAWL_COMMAND: Command = { spec: CRAWL, run: async (a) => void (await crawlCommand(a)) };
