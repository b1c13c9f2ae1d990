/**
 * The network crawler behind `devp2p-ts crawl` (geth's `devp2p discv4 crawl` plus Erigon
 * observer's RLPx "diplomacy"): walk discv4 from the bootnodes, and check every node found:
 * ENR request and one FindNode over discv4, and RLPx + Hello + eth Status over TCP (see
 * node-check.ts), at most `parallel` at a time. Results go to a node set that can be resumed
 * from and saved to a nodes file (nodes-file.ts).
 *
 * A crawl ends at the first of: the caller's signal, `durationMs`, `maxNodes` nodes found (their
 * checks finish first), or, with `stopWhenIdle` (the default), discovery finding nothing new for
 * `idleMs` and every check done. Nodes are rechecked once `revisitIntervalMs` has passed since
 * their last check, for crawls that run that long. Checks cut short by the end are not recorded.
 */
import { setMaxListeners } from 'node:events';
import { TypedEmitter } from '../../common/emitter.js';
import { randomBytes } from '../../crypto/random.js';
import type { Discv4 } from '../../discv4/discv4.js';
import type { DiscNode } from '../../discv4/node.js';
import type { EthNetwork } from '../../chain/chain-config.js';
import { networkForkFilter } from '../../chain/chain-config.js';
import type { LocalChainStatus } from '../../eth/handshake.js';
import type { ForkIdFilter } from '../../chain/forkid.js';
import type { EthVersion } from '../../eth/protocol.js';
import { applyCheck, applyEnr, type CrawledNode, markSeen, newCrawledNode } from './crawled-node.js';
import { type CrawlSummary, summarizeCrawl } from './crawl-summary.js';
import { ignoreAbort, sleep, untilSettledOrAborted } from '../../common/abortable.js';
import { walkDiscovery } from './discovery-walk.js';
import { checkNode, DEFAULT_CHECK_TIMEOUT_MS, type NodeCheckResult } from './node-check.js';
import { type NodeSet, saveNodesFile } from './nodes-file.js';
import { WorkQueue } from './work-queue.js';

/** Checks running at once (geth `devp2p crawl -parallel`). */
export const DEFAULT_CRAWL_PARALLEL = 16;
/** Upper bound on a crawl (geth `devp2p crawl -timeout` default, 30 min). */
export const DEFAULT_CRAWL_DURATION_MS = 30 * 60_000;
/** A node is checked again once this long has passed since its last check (geth revalidation: 10 min). */
export const DEFAULT_REVISIT_INTERVAL_MS = 10 * 60_000;
/** How often the nodes file is rewritten during a crawl. */
export const DEFAULT_SAVE_INTERVAL_MS = 30_000;
/**
 * A discovery round ends after this long without a new node. Nodes of a young network answer
 * FindNode only with neighbours they have revalidated (one per ~3 s in geth), so this is
 * seconds, not a lookup count.
 */
export const DEFAULT_IDLE_MS = 10_000;
/** ENRRequests per node and check: one retry covers a lost datagram. */
export const ENR_ATTEMPTS = 2;
/** Pause between discovery rounds when the crawl does not stop when idle. */
export const DISCOVERY_ROUND_PAUSE_MS = 5_000;

export interface CrawlerOptions {
  /** The discovery node to walk with (its bootnodes start the walk). Not closed by the crawler. */
  discv4: Discv4;
  /** Our chain for the Status we send; the nodes' Statuses are checked against it. */
  network: EthNetwork;
  /** Our RLPx node key (usually the discv4 node's). */
  privateKey: Uint8Array;
  /** Head announced in our Status; default the genesis (a crawler has no chain). */
  head?: LocalChainStatus['head'];
  /** Known nodes (e.g. from {@link loadNodesFile}); all are rechecked. The crawler updates this map. */
  nodes?: NodeSet;
  /** Where to save the node set, periodically and at the end. */
  nodesFile?: string;
  saveIntervalMs?: number;
  /** Checks at once (default {@link DEFAULT_CRAWL_PARALLEL}). */
  parallel?: number;
  /** Bound on one node's RLPx check (default {@link DEFAULT_CHECK_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Bound on the whole crawl (default {@link DEFAULT_CRAWL_DURATION_MS}). */
  durationMs?: number;
  /** Stop discovering once this many distinct nodes were found in this crawl (resumed ones count). */
  maxNodes?: number;
  /** End once discovery finds nothing new and every check is done (default true). */
  stopWhenIdle?: boolean;
  /** A discovery round ends after this long without a new node (default {@link DEFAULT_IDLE_MS}). */
  idleMs?: number;
  revisitIntervalMs?: number;
  /** Ask every new node once for its neighbours (default true): finds nodes lookups miss. */
  askNeighbours?: boolean;
  /** eth versions offered (default 68, 69, 70). */
  ethVersions?: readonly EthVersion[];
  /** Client ID in our Hello. */
  clientId?: string;
  signal?: AbortSignal;
}

/** Why a crawl ended. */
export type CrawlEnd = 'idle' | 'duration' | 'max-nodes' | 'aborted';

export interface CrawlResult {
  nodes: NodeSet;
  summary: CrawlSummary;
  /** Checks completed in this crawl. */
  checks: number;
  ms: number;
  endedBy: CrawlEnd;
}

/** Counters while a crawl runs (progress lines). */
export interface CrawlProgress {
  /** Distinct nodes found in this crawl (resumed ones included). */
  found: number;
  checks: number;
  queued: number;
  running: number;
}

export interface CrawlerEvents {
  /** A node was found for the first time in this crawl. */
  found: (rec: CrawledNode) => void;
  /** A check finished and was recorded. */
  checked: (rec: CrawledNode, result: NodeCheckResult) => void;
  /** The nodes file was written. */
  saved: (path: string, nodes: number) => void;
  /** Saving the nodes file failed (the crawl goes on; the final save is retried at the end). */
  'save:failed': (error: Error) => void;
}

/** One crawl. Create, attach listeners, then {@link Crawler.run} once. */
export class Crawler extends TypedEmitter<CrawlerEvents> {
  /** The node set, updated as the crawl goes. */
  readonly nodes: NodeSet;
  private readonly opts: CrawlerOptions;
  private readonly local: LocalChainStatus;
  private readonly forkFilter: ForkIdFilter;
  private readonly stop = new AbortController();
  private readonly discoveryStop = new AbortController();
  private readonly queue: WorkQueue<DiscNode>;
  /** Nodes found (queued for a first check) in this crawl. */
  private readonly found = new Set<string>();
  /** Nodes asked for their neighbours (once per crawl). */
  private readonly askedNeighbours = new Set<string>();
  private checks = 0;
  private endedBy: CrawlEnd | undefined;
  private saving: Promise<void> = Promise.resolve();
  private started = false;

  constructor(opts: CrawlerOptions) {
    super();
    this.opts = opts;
    this.nodes = opts.nodes ?? new Map();
    this.local = { network: opts.network, head: opts.head ?? { number: 0n, hash: opts.network.genesisHash, time: opts.network.genesisTime } };
    this.forkFilter = networkForkFilter(opts.network);
    this.queue = new WorkQueue(opts.parallel ?? DEFAULT_CRAWL_PARALLEL, (n) => this.check(n));
    // Every check and discovery request adds an abort listener.
    setMaxListeners(0, this.stop.signal);
    setMaxListeners(0, this.discoveryStop.signal);
  }

  /** Counters for progress output. */
  get progress(): CrawlProgress {
    return { found: this.found.size, checks: this.checks, queued: this.queue.size - this.queue.active, running: this.queue.active };
  }

  /** Summary of the node set as it stands. */
  summary(): CrawlSummary {
    return summarizeCrawl(this.nodes.values());
  }

  /** Runs the crawl to its end (see the module comment). Never rejects for what nodes do. */
  async run(): Promise<CrawlResult> {
    if (this.started) throw new Error('a Crawler runs once');
    this.started = true;
    const t0 = performance.now();
    const o = this.opts;
    // Duration and abort cut the crawl short: checks in flight are abandoned, not recorded.
    const end = (why: 'duration' | 'aborted'): void => {
      this.endDiscovery(why);
      this.stop.abort(new Error(`crawl ended: ${why}`));
    };
    const onAbort = (): void => end('aborted');
    if (o.signal?.aborted) end('aborted');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const durationTimer = setTimeout(() => end('duration'), o.durationMs ?? DEFAULT_CRAWL_DURATION_MS);
    const saveTimer = o.nodesFile ? setInterval(() => void this.save(), o.saveIntervalMs ?? DEFAULT_SAVE_INTERVAL_MS) : undefined;
    const revisitEvery = o.revisitIntervalMs ?? DEFAULT_REVISIT_INTERVAL_MS;
    const revisitTimer = setInterval(() => this.revisit(revisitEvery), Math.max(1_000, Math.min(revisitEvery / 4, 60_000)));
    try {
      // Resumed nodes are rechecked first.
      for (const rec of this.nodes.values()) this.foundNode(rec.node);
      await this.discover();
      if (!this.stop.signal.aborted) {
        this.endDiscovery('idle');
        // Discovery is over: let the checks finish, unless the crawl is cut short meanwhile.
        await untilSettledOrAborted(this.queue.idle(), this.stop.signal);
      }
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
      clearTimeout(durationTimer);
      clearInterval(saveTimer);
      clearInterval(revisitTimer);
      this.discoveryStop.abort(new Error('crawl ended'));
      this.stop.abort(new Error('crawl ended'));
      this.queue.close();
      // Aborted checks end promptly (each is bound to the stop signal).
      await this.queue.idle();
      if (o.nodesFile) await this.save(true);
    }
    return { nodes: this.nodes, summary: this.summary(), checks: this.checks, ms: performance.now() - t0, endedBy: this.endedBy ?? 'idle' };
  }

  /** Writes the nodes file (serialised with earlier writes). `final` rethrows a failure. */
  private save(final = false): Promise<void> {
    const path = this.opts.nodesFile;
    if (!path) return Promise.resolve();
    const run = this.saving.then(() => saveNodesFile(path, this.nodes.values())).then(() => this.emit('saved', path, this.nodes.size));
    this.saving = run.catch((err: Error) => {
      if (!final) this.emit('save:failed', err);
    });
    return final ? run : this.saving;
  }

  /** Discovery rounds: one when stopping when idle, otherwise until the crawl stops. */
  private async discover(): Promise<void> {
    const signal = this.discoveryStop.signal;
    const idleStop = this.opts.stopWhenIdle ?? true;
    while (!signal.aborted) {
      await walkDiscovery(this.opts.discv4, {
        signal,
        onNode: (n) => this.foundNode(n),
        idleMs: this.opts.idleMs ?? DEFAULT_IDLE_MS,
      });
      if (idleStop) {
        // Nodes found by the checks' neighbour requests are still coming in: the round is
        // over only when those are done too.
        await untilSettledOrAborted(this.queue.idle(), signal);
        return;
      }
      await sleep(DISCOVERY_ROUND_PAUSE_MS, { signal }).catch(ignoreAbort);
    }
  }

  /**
   * Discovery reported `n`: record the sighting and queue its first check in this crawl. Once
   * discovery has stopped (idle, max nodes, end), nodes not yet known are ignored.
   */
  private foundNode(n: DiscNode): void {
    const now = Date.now();
    const known = this.nodes.get(n.idHex);
    if (known) markSeen(known, n, now);
    if (this.found.has(n.idHex) || this.discoveryStop.signal.aborted) return;
    const max = this.opts.maxNodes;
    if (max !== undefined && this.found.size >= max) return this.endDiscovery('max-nodes');
    let rec = known;
    if (!rec) this.nodes.set(n.idHex, (rec = newCrawledNode(n, now)));
    this.found.add(n.idHex);
    this.emit('found', rec);
    this.queue.push(n.idHex, rec.node);
    if (max !== undefined && this.found.size >= max) this.endDiscovery('max-nodes');
  }

  private endDiscovery(why: CrawlEnd): void {
    this.endedBy ??= why;
    this.discoveryStop.abort(new Error(`crawl ended: ${why}`));
  }

  /** Queues nodes whose last check is older than the revisit interval. */
  private revisit(every: number): void {
    if (this.stop.signal.aborted) return;
    const due = Date.now() - every;
    for (const [id, rec] of this.nodes) {
      if (this.found.has(id) && rec.lastCheck !== undefined && rec.lastCheck <= due) this.queue.push(id, rec.node);
    }
  }

  /** One node: RLPx check and discovery requests side by side; recorded unless the crawl was cut short. */
  private async check(n: DiscNode): Promise<void> {
    const signal = this.stop.signal;
    if (signal.aborted) return;
    const rec = this.nodes.get(n.idHex)!;
    const at = Date.now();
    const target = rec.node;
    const [rlpx] = await Promise.allSettled([
      checkNode(
        { publicKey: target.publicKey, ip: target.ip, tcpPort: target.tcpPort },
        {
          privateKey: this.opts.privateKey,
          local: this.local,
          forkFilter: this.forkFilter,
          timeoutMs: this.opts.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
          signal,
          ...(this.opts.ethVersions ? { ethVersions: this.opts.ethVersions } : {}),
          ...(this.opts.clientId ? { clientId: this.opts.clientId } : {}),
        },
      ),
      this.askDiscovery(rec, signal),
    ]);
    if (rlpx.status === 'rejected' || signal.aborted) return;
    applyCheck(rec, rlpx.value, at);
    this.checks++;
    this.emit('checked', rec, rlpx.value);
  }

  /** ENRRequest (bonding first), then one FindNode for a random target whose answers feed the walk. */
  private async askDiscovery(rec: CrawledNode, signal: AbortSignal): Promise<void> {
    const d = this.opts.discv4;
    const node = rec.node;
    for (let attempt = 0; attempt < ENR_ATTEMPTS && !signal.aborted; attempt++) {
      try {
        applyEnr(rec, await d.requestEnr(node, { signal }), Date.now());
        break;
      } catch {
        // No ENR (EIP-868 not supported, or a lost datagram): the RLPx check still counts.
      }
    }
    if (this.opts.askNeighbours === false || this.discoveryStop.signal.aborted || this.askedNeighbours.has(node.idHex)) return;
    this.askedNeighbours.add(node.idHex);
    try {
      const neighbours = await d.findNode(node, randomBytes(64), this.discoveryStop.signal);
      for (const x of neighbours) this.foundNode(x);
    } catch {
      // No answer: the lookups may still reach its neighbours.
    }
  }
}

/** Runs one crawl (see {@link Crawler}). */
export function crawl(opts: CrawlerOptions): Promise<CrawlResult> {
  return new Crawler(opts).run();
}
