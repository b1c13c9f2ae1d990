/**
 * The sync state of one tree (geth p2p/dnsdisc/sync.go): its root, refreshed on a schedule and
 * after repeated failures, and one {@link SubtreeSync} per subtree (links, ENRs), replaced when
 * the root names a new subtree hash. Whole-tree download ({@link ClientTree.syncAll}) and the
 * random walk of the iterator ({@link ClientTree.syncRandom}) share it.
 *
 * Bounds beyond geth's: every entry may be referenced once per subtree sync (a second
 * reference is a {@link DnsTreeLoopError}), and one sync resolves at most `maxSyncEntries`
 * entries ({@link DnsTreeTooLargeError}). A tree whose subtree fails that way, or with a bad
 * hash or entry, is not walked again until its next root check.
 */
import type { Enr } from '../enode/enr.js';
import type { DnsClient } from './client.js';
import { hashKey, type LinkEntry, type RootEntry, type TreeEntry } from './entries.js';
import { DnsBranchTooWideError, DnsEntryError, DnsHashMismatchError, DnsTreeLoopError, DnsTreeShapeError, DnsTreeTooLargeError } from './errors.js';
import { delay } from './wait.js';

/** Leaf lookups that may fail in a row before the root is checked again (geth's rootRecheckFailCount). */
export const ROOT_RECHECK_FAIL_COUNT = 5;
/** After more than this many failed root lookups in a row, wait {@link ROOT_SLOWDOWN_MS}... */
export const ROOT_SLOWDOWN_AFTER = 5;
export const ROOT_SLOWDOWN_MS = 5_000;
/** ...and after more than this many, {@link ROOT_SLOWDOWN_LONG_MS} (geth's slowdownRootUpdate). */
export const ROOT_SLOWDOWN_LONG_AFTER = 20;
export const ROOT_SLOWDOWN_LONG_MS = 10_000;

/** Errors that say the tree is malformed (not that a lookup failed): the tree is set aside. */
export function isTreeFault(err: unknown): boolean {
  return (
    err instanceof DnsTreeLoopError ||
    err instanceof DnsTreeTooLargeError ||
    err instanceof DnsBranchTooWideError ||
    err instanceof DnsHashMismatchError ||
    err instanceof DnsTreeShapeError ||
    err instanceof DnsEntryError
  );
}

/** Entries one sync may still resolve, shared by the subtrees of a whole-tree download. */
interface Budget {
  left: number;
}

/** The walk of one subtree: the hashes still to resolve, and every hash referenced so far. */
export class SubtreeSync {
  /** Hashes referenced but not resolved yet. */
  readonly missing: string[];
  /** Leaves (ENR or link entries) resolved. */
  leaves = 0;
  private readonly seen = new Set<string>();

  constructor(
    private readonly client: DnsClient,
    private readonly loc: LinkEntry,
    /** The subtree's top hash. */
    readonly root: string,
    /** True for the link subtree. */
    readonly link: boolean,
    private readonly budget: Budget,
  ) {
    this.missing = [root];
    this.seen.add(hashKey(root));
  }

  done(): boolean {
    return this.missing.length === 0;
  }

  /**
   * Resolves every missing entry into `dest` (by hash), up to `parallel` lookups at a time, each
   * under the client's timeout and rate limit. The first failure ends it (after the lookups in
   * flight settle).
   */
  async resolveAll(dest: Map<string, TreeEntry>, signal: AbortSignal, parallel: number): Promise<void> {
    const inflight = new Set<Promise<void>>();
    let failure: { err: unknown } | undefined;
    while ((this.missing.length > 0 || inflight.size > 0) && !failure) {
      while (this.missing.length > 0 && inflight.size < parallel && !failure) {
        const hash = this.take(this.missing.length - 1);
        const p: Promise<void> = this.resolve(hash, signal).then(
          (e) => void dest.set(hash, e),
          (err: unknown) => void (failure ??= { err }),
        );
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
      }
      if (inflight.size > 0) await Promise.race(inflight);
    }
    if (failure) {
      await Promise.all(inflight);
      throw failure.err;
    }
  }

  /**
   * Resolves the missing hash at `index` (default: a random one), as one step of a walk. On
   * failure the hash stays missing (to be retried) and its budget is returned.
   */
  async resolveStep(signal: AbortSignal, index = Math.floor(Math.random() * this.missing.length)): Promise<TreeEntry> {
    const hash = this.take(index);
    try {
      return await this.resolve(hash, signal);
    } catch (err) {
      this.missing.push(hash);
      this.budget.left++;
      throw err;
    }
  }

  /** Removes the missing hash at `index` (swapping in the last one: order does not matter). */
  private take(index: number): string {
    const hash = this.missing[index]!;
    this.missing[index] = this.missing[this.missing.length - 1]!;
    this.missing.pop();
    return hash;
  }

  /**
   * Fetches one entry within the budget; a branch's children join the missing list. Throws on a
   * repeated reference, an exhausted budget or a leaf of the wrong kind.
   */
  private async resolve(hash: string, signal: AbortSignal): Promise<TreeEntry> {
    if (this.budget.left <= 0) throw new DnsTreeTooLargeError(this.loc.domain, this.client.cfg.maxSyncEntries);
    this.budget.left--;
    const e = await this.client.resolveEntry(this.loc.domain, hash, { signal });
    const name = `${hash}.${this.loc.domain}`;
    if (e.kind === 'enr') {
      if (this.link) throw new DnsTreeShapeError(name, 'enr');
      this.leaves++;
    } else if (e.kind === 'link') {
      if (!this.link) throw new DnsTreeShapeError(name, 'link');
      this.leaves++;
    } else {
      const keys = e.children.map(hashKey);
      for (let i = 0; i < keys.length; i++) {
        if (this.seen.has(keys[i]!)) throw new DnsTreeLoopError(`${e.children[i]}.${this.loc.domain}`);
        this.seen.add(keys[i]!);
      }
      this.missing.push(...e.children);
    }
    return e;
  }
}

/** Links between trees: which trees refer to which (geth's linkCache). `''` is the user. */
export class LinkCache {
  /** Tree (link text) -> the trees that link it. */
  readonly backrefs = new Map<string, Set<string>>();
  /** Set when links were added or removed since the iterator last looked. */
  changed = false;

  isReferenced(tree: string): boolean {
    return (this.backrefs.get(tree)?.size ?? 0) > 0;
  }

  addLink(from: string, to: string): void {
    let refs = this.backrefs.get(to);
    if (refs?.has(from)) return;
    if (!refs) this.backrefs.set(to, (refs = new Set()));
    refs.add(from);
    this.changed = true;
  }

  /** Drops the links of `from` except those in `keep`, and the links of trees no longer referenced. */
  resetLinks(from: string, keep: ReadonlySet<string>): void {
    const stack = [from];
    while (stack.length > 0) {
      const item = stack.pop()!;
      for (const [tree, refs] of this.backrefs) {
        if (keep.has(tree) || !refs.has(item)) continue;
        this.changed = true;
        refs.delete(item);
        if (refs.size === 0) {
          this.backrefs.delete(tree);
          stack.push(tree);
        }
      }
    }
  }
}

/** One tree being synced. */
export class ClientTree {
  root: RootEntry | undefined;
  private enrs: SubtreeSync | undefined;
  private links: SubtreeSync | undefined;
  /** The root check time (client clock), -Infinity before the first. */
  private lastRootCheck = -Infinity;
  private leafFailCount = 0;
  private rootFailCount = 0;
  /** Links of this tree found in the current link subtree. */
  private curLinks = new Set<string>();
  private linkGcRoot = '';
  /** Set when a subtree proved malformed; cleared by the next root check. */
  fault: unknown;

  constructor(
    private readonly client: DnsClient,
    private readonly lc: LinkCache,
    /** The link to this tree. */
    readonly loc: LinkEntry,
  ) {}

  /** Resolves the root and every entry into `dest` (geth's syncAll), within one entry budget. */
  async syncAll(dest: Map<string, TreeEntry>, signal: AbortSignal): Promise<void> {
    await this.updateRoot(signal);
    await this.links!.resolveAll(dest, signal, this.client.cfg.syncParallel);
    await this.enrs!.resolveAll(dest, signal, this.client.cfg.syncParallel);
  }

  /**
   * One step of the random walk: the root if due, else the next link entry (links first), else a
   * random missing ENR-subtree entry. Returns the record when the step found one.
   */
  async syncRandom(signal: AbortSignal): Promise<Enr | undefined> {
    if (this.rootUpdateDue()) await this.updateRoot(signal);
    try {
      if (!this.links!.done()) {
        await this.syncNextLink(signal);
        return undefined;
      }
      this.gcLinks();
      // Once every node was visited, start over: entries come from the cache (and DNS caches).
      if (this.enrs!.done()) this.enrs = this.newSubtree(this.root!.eroot, false);
      const e = await this.enrs!.resolveStep(signal);
      return e.kind === 'enr' ? e.record : undefined;
    } catch (err) {
      if (signal.aborted) throw err;
      this.leafFailCount++;
      if (isTreeFault(err)) this.fault = err;
      throw err;
    }
  }

  /** Whether {@link syncRandom} can do anything now (geth's canSyncRandom, and not set aside). */
  canSyncRandom(): boolean {
    if (this.rootUpdateDue()) return true;
    if (this.fault !== undefined) return false;
    return !this.links!.done() || !this.enrs!.done() || this.enrs!.leaves !== 0;
  }

  /** When the next scheduled root check is due (client clock, ms). */
  nextScheduledRootCheck(): number {
    return this.lastRootCheck + this.client.cfg.recheckIntervalMs;
  }

  private rootUpdateDue(): boolean {
    const tooManyFailures = this.leafFailCount > ROOT_RECHECK_FAIL_COUNT && this.fault === undefined;
    return this.root === undefined || tooManyFailures || this.client.cfg.now() >= this.nextScheduledRootCheck();
  }

  private async syncNextLink(signal: AbortSignal): Promise<void> {
    const links = this.links!;
    const e = await links.resolveStep(signal, links.missing.length - 1);
    if (e.kind === 'link') {
      this.lc.addLink(this.loc.text, e.text);
      this.curLinks.add(e.text);
    }
  }

  /** Once the link subtree is complete, drop links this tree no longer has (geth's gcLinks). */
  private gcLinks(): void {
    if (!this.links!.done() || this.root!.lroot === this.linkGcRoot) return;
    this.lc.resetLinks(this.loc.text, this.curLinks);
    this.linkGcRoot = this.root!.lroot;
  }

  /** Fetches the root; new subtree hashes (or a fault) restart the subtree syncs. */
  private async updateRoot(signal: AbortSignal): Promise<void> {
    await this.slowdownRootUpdate(signal);
    this.lastRootCheck = this.client.cfg.now();
    let root: RootEntry;
    try {
      root = await this.client.resolveRoot(this.loc, { signal });
    } catch (err) {
      if (!signal.aborted) this.rootFailCount++;
      throw err;
    }
    this.root = root;
    this.rootFailCount = 0;
    this.leafFailCount = 0;
    const retry = this.fault !== undefined;
    this.fault = undefined;
    const budget: Budget = { left: this.client.cfg.maxSyncEntries };
    if (!this.links || retry || root.lroot !== this.links.root) {
      this.links = this.newSubtree(root.lroot, true, budget);
      this.curLinks = new Set();
    }
    if (!this.enrs || retry || root.eroot !== this.enrs.root) this.enrs = this.newSubtree(root.eroot, false, budget);
  }

  /** A subtree sync; subtrees made by one root check share one entry budget. */
  private newSubtree(root: string, link: boolean, budget: Budget = { left: this.client.cfg.maxSyncEntries }): SubtreeSync {
    return new SubtreeSync(this.client, this.loc, root, link, budget);
  }

  /** Waits before a root lookup that keeps failing (offline client: no busy polling). */
  private async slowdownRootUpdate(signal: AbortSignal): Promise<void> {
    if (this.rootFailCount > ROOT_SLOWDOWN_LONG_AFTER) await delay(ROOT_SLOWDOWN_LONG_MS, signal);
    else if (this.rootFailCount > ROOT_SLOWDOWN_AFTER) await delay(ROOT_SLOWDOWN_MS, signal);
  }
}
