/**
 * The DNS discovery client (geth p2p/dnsdisc/client.go): resolves tree roots (checking their
 * signature) and entries (checking their hash), through a rate limit, a per-lookup timeout and
 * an LRU cache of entries; downloads whole trees ({@link DnsClient.syncTree}) and walks trees
 * at random for dial candidates ({@link DnsClient.nodeIterator}).
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from '../common/log.js';
import { silentLogger } from '../common/log.js';
import { ClientTree, LinkCache } from './client-tree.js';
import {
  BRANCH_PREFIX,
  ENR_PREFIX,
  hashKey,
  LINK_PREFIX,
  type LinkEntry,
  matchesHash,
  MAX_BRANCH_CHILDREN,
  parseEntry,
  parseLink,
  parseRoot,
  type RootEntry,
  ROOT_PREFIX,
  type TreeEntry,
  verifyRoot,
} from './entries.js';
import {
  DnsBadSignatureError,
  DnsBranchTooWideError,
  DnsEntryError,
  DnsHashMismatchError,
  DnsNoEntryError,
  DnsNoRootError,
  DnsTimeoutError,
} from './errors.js';
import { DnsNodeIterator, type DnsNodeIteratorOptions } from './iterator.js';
import { RateLimiter } from './rate-limiter.js';
import { SystemTxtResolver, type TxtResolver } from './resolver.js';
import { DnsTree } from './tree.js';
import { raceAbort } from './wait.js';
import { onAbort, throwIfAborted } from '../common/abortable.js';

/** How long one TXT lookup may take (geth's defaultTimeout). */
export const DNS_LOOKUP_TIMEOUT_MS = 5_000;
/** How often a tree's root is checked for a new seq (geth's defaultRecheck). */
export const DNS_RECHECK_INTERVAL_MS = 30 * 60_000;
/** Entries kept in the client's LRU cache (geth's defaultCache). */
export const DNS_CACHE_LIMIT = 1_000;
/** Entry lookups per second, cached ones included (geth's defaultRateLimit)... */
export const DNS_RATE_LIMIT = 3;
/** ...with up to this many saved up (geth's rate.NewLimiter burst). */
export const DNS_RATE_BURST = 10;
/**
 * Most entries one sync of one tree resolves (ours; geth relies on its rate limit). About ten
 * times the largest published list: a 10,000-node tree has 10,837 entries besides its root.
 */
export const MAX_SYNC_ENTRIES = 100_000;
/**
 * Lookups in flight while downloading a whole tree (ours: geth resolves one at a time). Each
 * still waits for the rate limit, so at the default rate this changes nothing; without a limit
 * the lookups overlap with checking the entries already fetched.
 */
export const DNS_SYNC_PARALLEL = 8;

export interface DnsClientConfig {
  /** Default: DNS through node:dns with the system's servers. */
  resolver?: TxtResolver;
  /** Per TXT lookup (default {@link DNS_LOOKUP_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Between root checks of a tree being iterated (default {@link DNS_RECHECK_INTERVAL_MS}). */
  recheckIntervalMs?: number;
  /** Entries cached (default {@link DNS_CACHE_LIMIT}). */
  cacheLimit?: number;
  /** Entry lookups per second (default {@link DNS_RATE_LIMIT}); Infinity for none. */
  rateLimit?: number;
  /** Lookups that may run without waiting (default {@link DNS_RATE_BURST}). */
  rateBurst?: number;
  /** Widest branch accepted (default {@link MAX_BRANCH_CHILDREN}, what geth writes). */
  maxBranchChildren?: number;
  /** Most entries resolved per sync of one tree (default {@link MAX_SYNC_ENTRIES}). */
  maxSyncEntries?: number;
  /** Lookups in flight in {@link DnsClient.syncTree} (default {@link DNS_SYNC_PARALLEL}; 1 is geth's order). */
  syncParallel?: number;
  logger?: Logger;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** The client's settings with defaults applied. */
export interface ResolvedDnsClientConfig {
  timeoutMs: number;
  recheckIntervalMs: number;
  cacheLimit: number;
  maxBranchChildren: number;
  maxSyncEntries: number;
  syncParallel: number;
  logger: Logger;
  now: () => number;
}

/** Lookups done, for tests and the bench. */
export interface DnsClientStats {
  /** TXT lookups sent to the resolver. */
  lookups: number;
  /** Entries answered from the cache. */
  cacheHits: number;
}

export class DnsClient {
  readonly cfg: ResolvedDnsClientConfig;
  readonly stats: DnsClientStats = { lookups: 0, cacheHits: 0 };
  private readonly resolver: TxtResolver;
  private readonly limiter: RateLimiter;
  private readonly cache = new Map<string, TreeEntry>();
  private readonly inflightEntries = new Map<string, Promise<TreeEntry>>();
  private readonly inflightRoots = new Map<string, Promise<RootEntry>>();

  constructor(config: DnsClientConfig = {}) {
    this.resolver = config.resolver ?? new SystemTxtResolver();
    this.cfg = {
      timeoutMs: config.timeoutMs ?? DNS_LOOKUP_TIMEOUT_MS,
      recheckIntervalMs: config.recheckIntervalMs ?? DNS_RECHECK_INTERVAL_MS,
      cacheLimit: config.cacheLimit ?? DNS_CACHE_LIMIT,
      maxBranchChildren: config.maxBranchChildren ?? MAX_BRANCH_CHILDREN,
      maxSyncEntries: config.maxSyncEntries ?? MAX_SYNC_ENTRIES,
      syncParallel: Math.max(1, config.syncParallel ?? DNS_SYNC_PARALLEL),
      logger: config.logger ?? silentLogger,
      now: config.now ?? (() => performance.now()),
    };
    this.limiter = new RateLimiter(config.rateLimit ?? DNS_RATE_LIMIT, config.rateBurst ?? DNS_RATE_BURST);
  }

  /**
   * Downloads the whole tree at an enrtree:// URL (geth's Client.SyncTree): the verified root,
   * then every entry of the link and ENR subtrees. Links are kept as entries, not followed.
   * Rejects with the first typed error (bad URL, signature, hash, loop, width, size, lookup).
   */
  async syncTree(url: string, opts: { signal?: AbortSignal } = {}): Promise<DnsTree> {
    const link = parseLink(url);
    const ct = new ClientTree(this, new LinkCache(), link);
    const entries = new Map<string, TreeEntry>();
    // One listener on the caller's signal; the lookups in flight (two listeners each) listen here.
    const ctl = new AbortController();
    setMaxListeners(4 * this.cfg.syncParallel + 8, ctl.signal);
    const outer = opts.signal;
    const onAbort = (): void => ctl.abort(outer!.reason);
    if (outer?.aborted) onAbort();
    else outer?.addEventListener('abort', onAbort, { once: true });
    try {
      await ct.syncAll(entries, ctl.signal);
    } finally {
      outer?.removeEventListener('abort', onAbort);
    }
    return new DnsTree(ct.root!, entries);
  }

  /**
   * Node records from the trees at `urls` and the trees they link, visited at random, for as
   * long as the iterator is open (geth's Client.NewIterator). Throws {@link DnsEntryError} for
   * a malformed URL.
   */
  nodeIterator(urls: readonly string[], opts: DnsNodeIteratorOptions = {}): DnsNodeIterator {
    return new DnsNodeIterator(this, urls.map((u) => parseLink(u)), opts);
  }

  /** Cancels the resolver's pending lookups. */
  close(): void {
    this.resolver.close?.();
  }

  /** The verified root of the tree `link` names (one lookup at a time per tree). */
  resolveRoot(link: LinkEntry, opts: { signal: AbortSignal }): Promise<RootEntry> {
    const { signal } = opts;
    let p = this.inflightRoots.get(link.text);
    if (!p) {
      p = this.fetchRoot(link, signal).finally(() => this.inflightRoots.delete(link.text));
      this.inflightRoots.set(link.text, p);
    }
    return raceAbort(p, signal);
  }

  /**
   * The entry at `<hash>.<domain>`, hash-checked. Every call waits for the rate limit, cached or
   * not (as geth: it keeps an iterator over a small cached tree from spinning).
   */
  async resolveEntry(domain: string, hash: string, opts: { signal: AbortSignal }): Promise<TreeEntry> {
    const { signal } = opts;
    await this.limiter.wait(signal);
    const key = hashKey(hash);
    const cached = this.cache.get(key);
    if (cached) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      this.stats.cacheHits++;
      return cached;
    }
    let p = this.inflightEntries.get(key);
    if (!p) {
      p = this.fetchEntry(domain, hash, signal).then(
        (e) => {
          this.inflightEntries.delete(key);
          this.cache.set(key, e);
          if (this.cache.size > this.cfg.cacheLimit) this.cache.delete(this.cache.keys().next().value!);
          return e;
        },
        (err: unknown) => {
          this.inflightEntries.delete(key);
          throw err;
        },
      );
      this.inflightEntries.set(key, p);
    }
    return raceAbort(p, signal);
  }

  private async fetchRoot(link: LinkEntry, signal: AbortSignal): Promise<RootEntry> {
    const txts = await this.lookup(link.domain, signal);
    const text = txts.find((t) => t.startsWith(ROOT_PREFIX));
    if (text === undefined) throw new DnsNoRootError(link.domain);
    let root: RootEntry;
    try {
      root = parseRoot(text);
    } catch (err) {
      throw atName(err, link.domain);
    }
    if (!verifyRoot(root, link.publicKey)) throw new DnsBadSignatureError(link.domain);
    this.cfg.logger.trace('DNS discovery root', { tree: link.domain, seq: root.seq });
    return root;
  }

  private async fetchEntry(domain: string, hash: string, signal: AbortSignal): Promise<TreeEntry> {
    const name = `${hash}.${domain}`;
    const txts = await this.lookup(name, signal);
    for (const text of txts) {
      // Other records at the name are skipped, as geth skips them.
      if (!text.startsWith(BRANCH_PREFIX) && !text.startsWith(ENR_PREFIX) && !text.startsWith(LINK_PREFIX)) continue;
      // The hash first: it is cheap, and parsing a record means verifying its signature.
      if (!matchesHash(text, hash)) throw new DnsHashMismatchError(name);
      try {
        return parseEntry(text, this.cfg.maxBranchChildren);
      } catch (err) {
        throw atName(err, name);
      }
    }
    throw new DnsNoEntryError(name);
  }

  /** One TXT lookup under the client's timeout. */
  private async lookup(name: string, signal: AbortSignal): Promise<string[]> {
    throwIfAborted(signal);
    this.stats.lookups++;
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(new DnsTimeoutError(name, this.cfg.timeoutMs)), this.cfg.timeoutMs);
    const detach = onAbort(signal, (err) => ctl.abort(err));
    try {
      const txts = await this.resolver.resolveTxt(name, { signal: ctl.signal });
      this.cfg.logger.trace('DNS discovery lookup', { name, records: txts.length });
      return txts;
    } catch (err) {
      // Cut short by our own timer: the typed timeout; by the caller: its AbortError.
      if (ctl.signal.aborted) throw ctl.signal.reason;
      throw err;
    } finally {
      clearTimeout(timer);
      detach();
    }
  }
}

/** A parse error of the entry at `name`, carrying the name. */
function atName(err: unknown, name: string): unknown {
  if (err instanceof DnsEntryError) return new DnsEntryError(err.kind, err.detail, name);
  if (err instanceof DnsBranchTooWideError) return new DnsBranchTooWideError(err.children, err.limit, name);
  return err;
}
