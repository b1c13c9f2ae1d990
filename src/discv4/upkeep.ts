/**
 * Table upkeep (geth `p2p/discover/table_reval.go` and the refresh loop of `table.go`):
 * revalidation pings one table node at a time at random intervals and fetches its record when
 * the Pong announces a newer one; refresh seeds the table from the node database and the
 * bootnodes, then runs a self lookup and random lookups.
 *
 * Timers: one for the next revalidation and one for the next refresh, both unref'd (upkeep alone
 * does not keep a process alive) and cleared by {@link TableUpkeep.close}.
 */
import type { Enr } from '../enode/enr.js';
import { type DiscNode, withEnr } from './node.js';
import type { NodeDb } from './nodedb.js';
import { BUCKET_SIZE, type Table } from './table.js';

/** Mean revalidation interval: a random delay in [0, 2x) between pings (geth PingInterval 3 s, two lists). */
export const REVALIDATE_INTERVAL_MS = 3_000;
/** Table refresh period (geth RefreshInterval 30 min; each wait is random in [half, full]). */
export const REFRESH_INTERVAL_MS = 30 * 60_000;
/**
 * Refresh period while the table holds fewer than 16 nodes. geth waits the full period; we
 * retry sooner so small networks (devnets, a node started before its peers) fill up.
 */
export const SPARSE_REFRESH_INTERVAL_MS = 30_000;
/** Seeds loaded from the node database at refresh (geth seedCount, seedMaxAge). */
export const SEED_COUNT = 30;
export const SEED_MAX_AGE_MS = 5 * 24 * 3600_000;
/** Random lookups per refresh after the self lookup (geth does 3). */
export const REFRESH_RANDOM_LOOKUPS = 3;
/** A table node is due for revalidation after this many mean intervals. */
export const REVALIDATE_DUE_INTERVALS = 3;

/** What upkeep needs from the node. */
export interface UpkeepHost {
  readonly table: Table;
  readonly db: NodeDb;
  readonly now: () => number;
  /** Nodes added to the table at every refresh. */
  readonly bootnodes: readonly DiscNode[];
  /** 0 disables revalidation. */
  readonly revalidateIntervalMs: number;
  /** 0 disables the periodic refresh. */
  readonly refreshIntervalMs: number;
  readonly sparseRefreshIntervalMs: number;
  isOpen(): boolean;
  ping(node: DiscNode): Promise<{ enrSeq?: bigint }>;
  requestEnr(node: DiscNode): Promise<Enr>;
  /** A self lookup. */
  lookupSelf(): Promise<unknown>;
  lookupRandom(): Promise<unknown>;
}

/** Revalidation and refresh of one node's table. */
export class TableUpkeep {
  private revalidateTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly host: UpkeepHost) {}

  /** Starts revalidation and the refresh timer, and runs a first refresh (not awaited). */
  start(): void {
    this.scheduleRevalidation();
    if (this.host.refreshIntervalMs > 0) {
      void this.refresh()
        .catch(() => undefined)
        .finally(() => this.scheduleRefresh());
    }
  }

  /**
   * Fills the table: seeds from the database and the bootnodes, then a self lookup and
   * random lookups (geth doRefresh). Concurrent calls share one run.
   */
  refresh(randomLookups = REFRESH_RANDOM_LOOKUPS): Promise<void> {
    if (this.refreshing) return this.refreshing;
    const host = this.host;
    const { table, db } = host;
    const run = async (): Promise<void> => {
      for (const n of db.seedNodes(SEED_COUNT, SEED_MAX_AGE_MS, host.now())) table.add(n);
      for (const n of host.bootnodes) table.add(n);
      await host.lookupSelf();
      for (let i = 0; i < randomLookups && host.isOpen(); i++) await host.lookupRandom();
    };
    this.refreshing = run().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Clears both timers and waits for a refresh in progress to end (the node has closed, so its lookups fail fast). */
  async close(): Promise<void> {
    clearTimeout(this.revalidateTimer);
    clearTimeout(this.refreshTimer);
    this.revalidateTimer = undefined;
    this.refreshTimer = undefined;
    await this.refreshing?.catch(() => undefined);
  }

  /** Timers armed (0, 1 or 2). */
  get armedTimers(): number {
    return (this.revalidateTimer ? 1 : 0) + (this.refreshTimer ? 1 : 0);
  }

  private scheduleRevalidation(): void {
    const every = this.host.revalidateIntervalMs;
    if (every <= 0 || !this.host.isOpen()) return;
    this.revalidateTimer = setTimeout(() => {
      this.revalidateTimer = undefined;
      void this.revalidateOne(every).finally(() => this.scheduleRevalidation());
    }, Math.random() * 2 * every);
    this.revalidateTimer.unref?.();
  }

  /** Pings one table node; a newer ENR seq in the Pong triggers an ENRRequest (geth table_reval). */
  private async revalidateOne(every: number): Promise<void> {
    const { table, db } = this.host;
    const entry = table.nextToRevalidate(every * REVALIDATE_DUE_INTERVALS);
    if (!entry) return;
    const node = entry.node;
    try {
      const pong = await this.host.ping(node);
      let updated: DiscNode | undefined;
      if (pong.enrSeq !== undefined && pong.enrSeq > (node.enr?.seq ?? 0n)) {
        updated = await this.host.requestEnr(node).then(
          (enr) => withEnr(node, enr),
          () => undefined,
        );
      }
      table.revalidated(node.idHex, true, updated);
      if (updated) db.updateNode(updated);
    } catch {
      if (this.host.isOpen()) table.revalidated(node.idHex, false);
    }
  }

  private scheduleRefresh(): void {
    const every = this.host.refreshIntervalMs;
    if (every <= 0 || !this.host.isOpen()) return;
    // A sparse table (new network, bootnodes that knew nobody yet) is refreshed sooner.
    const sparse = this.host.sparseRefreshIntervalMs;
    const delay = this.host.table.size < BUCKET_SIZE ? Math.min(every, sparse) : every / 2 + (Math.random() * every) / 2;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh()
        .catch(() => undefined)
        .finally(() => this.scheduleRefresh());
    }, delay);
    this.refreshTimer.unref?.();
  }
}
