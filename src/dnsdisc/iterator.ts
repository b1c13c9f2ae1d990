/**
 * Node records from a set of trees, at random (geth's randomIterator): each step picks a random
 * tree that can make progress and resolves one random entry of it; trees linked from a tree join
 * the set, and leave it when no tree links them any more. When no tree can make progress (all
 * empty, or set aside for a fault), it sleeps until the earliest root check. It runs until
 * closed: a tree whose nodes were all visited is walked again (from the cache, at the client's
 * rate limit).
 */
import type { Enr } from '../enode/enr.js';
import { ClientTree, LinkCache } from './client-tree.js';
import type { DnsClient } from './client.js';
import { LINK_PREFIX, type LinkEntry, parseLink } from './entries.js';
import { delay } from './wait.js';

export interface DnsNodeIteratorOptions {
  /** Ends the iterator. */
  signal?: AbortSignal;
  /** Told of every failed step (lookup failures, malformed trees), with the tree's domain. */
  onError?: (err: unknown, tree: string) => void;
}

export class DnsNodeIterator implements AsyncIterableIterator<Enr> {
  private readonly lc = new LinkCache();
  private readonly trees = new Map<string, ClientTree>();
  private readonly stop = new AbortController();
  private closed = false;
  /** next() calls run one at a time (the tree walks are not reentrant). */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly onOuterAbort = (): void => void this.return();

  constructor(
    private readonly client: DnsClient,
    roots: readonly LinkEntry[],
    private readonly opts: DnsNodeIteratorOptions = {},
  ) {
    for (const r of roots) this.lc.addLink('', r.text);
    if (opts.signal?.aborted) this.closed = true;
    else opts.signal?.addEventListener('abort', this.onOuterAbort, { once: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next record, or done once closed. */
  next(): Promise<IteratorResult<Enr>> {
    const p = this.queue.then(() => this.nextNode());
    this.queue = p.catch(() => undefined);
    return p.then((n) => (n ? { done: false, value: n } : { done: true, value: undefined }));
  }

  /** Closes the iterator: a pending next() ends with done. */
  async return(): Promise<IteratorResult<Enr>> {
    if (!this.closed) {
      this.closed = true;
      this.stop.abort(new Error('iterator closed'));
      this.opts.signal?.removeEventListener('abort', this.onOuterAbort);
      this.trees.clear();
    }
    return { done: true, value: undefined };
  }

  /** The trees being walked (domains), for logs and tests. */
  treeDomains(): string[] {
    return [...this.trees.values()].map((t) => t.loc.domain);
  }

  private async nextNode(): Promise<Enr | undefined> {
    const signal = this.stop.signal;
    while (!this.closed) {
      const ct = await this.pickTree();
      if (!ct) return undefined;
      try {
        const n = await ct.syncRandom(signal);
        if (n) return n;
      } catch (err) {
        if (signal.aborted) return undefined;
        this.client.cfg.logger.debug('DNS discovery sync error', { tree: ct.loc.domain, err: (err as Error).message });
        this.opts.onError?.(err, ct.loc.domain);
        // Failures may come back without I/O (a cached fault, an instant resolver, no rate
        // limit): let the event loop run between them.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    return undefined;
  }

  /** A random tree that can make progress, waiting for root checks when none can. */
  private async pickTree(): Promise<ClientTree | undefined> {
    while (!this.closed) {
      if (this.lc.changed) {
        this.rebuildTrees();
        this.lc.changed = false;
      }
      const all = [...this.trees.values()];
      if (all.length === 0) return undefined;
      const syncable = all.filter((t) => t.canSyncRandom());
      if (syncable.length > 0) return syncable[Math.floor(Math.random() * syncable.length)];
      const next = Math.min(...all.map((t) => t.nextScheduledRootCheck()));
      const sleep = Math.max(0, next - this.client.cfg.now());
      this.client.cfg.logger.debug('DNS iterator waiting for root updates', { sleepMs: Math.round(sleep) });
      try {
        await delay(sleep, this.stop.signal);
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  /** Drops trees nobody links any more and adds newly linked ones (geth's rebuildTrees). */
  private rebuildTrees(): void {
    for (const key of this.trees.keys()) if (!this.lc.isReferenced(key)) this.trees.delete(key);
    for (const key of this.lc.backrefs.keys()) {
      if (!this.trees.has(key)) this.trees.set(key, new ClientTree(this.client, this.lc, parseLink(LINK_PREFIX + key)));
    }
  }
}
