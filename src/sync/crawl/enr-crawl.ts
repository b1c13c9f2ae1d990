/**
 * The ENR crawl of geth's `devp2p discv4 crawl`: walk discovery and ask every node seen for its
 * ENR, `parallel` at a time. Nodes that answer enter the node set (those already in it are
 * rechecked first); `score` goes +1 per answer and -1 per miss of a known node, as geth's
 * crawler scores them.
 */
import type { Discv4 } from '../../discv4/discv4.js';
import type { DiscNode } from '../../discv4/node.js';
import { applyEnr, newCrawledNode } from './crawled-node.js';
import { walkDiscovery } from './discovery-walk.js';
import type { NodeSet } from './nodes-file.js';
import { WorkQueue } from './work-queue.js';

export interface EnrCrawlOptions {
  /** Ends the crawl (a timeout, the process stopping). */
  signal: AbortSignal;
  /** ENR requests in flight at once. */
  parallel: number;
}

/** Live counters of a crawl, for progress output. */
export interface EnrCrawlProgress {
  /** Distinct nodes queued for a check. */
  seen: number;
}

/** Crawls until the signal ends it, updating `nodes` in place; `progress` is kept current. */
export async function crawlEnrs(node: Discv4, nodes: NodeSet, opts: EnrCrawlOptions, progress: EnrCrawlProgress = { seen: 0 }): Promise<EnrCrawlProgress> {
  const stop = opts.signal;
  const check = async (n: DiscNode): Promise<void> => {
    const now = Date.now();
    const prev = nodes.get(n.idHex);
    try {
      const enr = await node.requestEnr(n, { signal: stop });
      const rec = prev ?? newCrawledNode(n, now);
      applyEnr(rec, enr, now);
      rec.score++;
      rec.firstResponse ??= now;
      rec.lastResponse = now;
      rec.lastCheck = now;
      nodes.set(n.idHex, rec);
    } catch {
      if (prev && !stop.aborted) {
        prev.score--;
        prev.lastCheck = now;
      }
    }
  };
  const queue = new WorkQueue<DiscNode>(opts.parallel, check);
  const checked = new Set<string>();
  const enqueue = (n: DiscNode): void => {
    if (checked.has(n.idHex) || stop.aborted) return;
    checked.add(n.idHex);
    progress.seen++;
    queue.push(n.idHex, n);
  };
  try {
    for (const rec of nodes.values()) enqueue(rec.node);
    await walkDiscovery(node, { signal: stop, onNode: enqueue });
    await queue.idle();
  } finally {
    queue.close();
    await queue.idle();
  }
  return progress;
}
