/**
 * The Kademlia table, shaped as geth's `p2p/discover/table.go`: 17 buckets of 16 nodes
 * indexed by log distance from our ID (distances 240..256 get a bucket each, everything at
 * 239 or closer shares bucket 0), 10 replacements per bucket, and IP limits of 2 per /24 per
 * bucket and 10 per /24 in the whole table (LAN and loopback addresses exempt).
 *
 * The table is pure bookkeeping: it never sends anything. The discv4 engine pings the node
 * {@link Table.nextToRevalidate} picks and reports the outcome with
 * {@link Table.revalidated}; a failed check divides the node's liveness counter by 3 and,
 * at 0, removes it and promotes a random replacement (geth table_reval.go).
 */
import { TypedEmitter } from '../common/emitter.js';
import { type Cidr, cidrContains, DistinctNetSet, isLan, parseIp } from '../common/netutil.js';
import { type DiscNode, logDistance, NodesByDistance } from './node.js';

/** Nodes per bucket (geth bucketSize). */
export const BUCKET_SIZE = 16;
/** Replacement candidates kept per bucket (geth maxReplacements). */
export const MAX_REPLACEMENTS = 10;
/** Number of buckets: 256 / 15 (geth nBuckets). */
export const N_BUCKETS = 17;
/** Distances at or below this share bucket 0 (256 - N_BUCKETS). */
export const BUCKET_MIN_DISTANCE = 256 - N_BUCKETS;
/** Most table entries (and replacements) per /24 within one bucket (geth bucketIPLimit). */
export const BUCKET_IP_LIMIT = 2;
/** Most table entries per /24 in the whole table (geth tableIPLimit). */
export const TABLE_IP_LIMIT = 10;
/** Subnet size the IP limits count (geth tableSubnet). */
export const TABLE_SUBNET_BITS = 24;

/** A node in the table with its liveness bookkeeping. */
export interface TableEntry {
  node: DiscNode;
  /** ms timestamp when the node entered the bucket. */
  addedAt: number;
  /** Successful revalidation pings in a row (divided by 3 on failure). */
  livenessChecks: number;
  /** ms timestamp of the last revalidation attempt (0: never checked). */
  lastCheck: number;
}

interface Bucket {
  entries: TableEntry[];
  replacements: DiscNode[];
  ips: DistinctNetSet;
}

export interface TableEvents {
  'node:added': (node: DiscNode) => void;
  'node:removed': (node: DiscNode) => void;
}

export interface TableOptions {
  /** Only nodes inside one of these networks are accepted (geth --netrestrict). */
  netrestrict?: readonly Cidr[];
  /** Clock in ms (tests). */
  now?: () => number;
  /** Random source in [0,1) (tests). */
  random?: () => number;
}

/** Why {@link Table.add} did not put a node in a bucket. */
export type AddResult = 'added' | 'updated' | 'replacement' | 'self' | 'ip-limit' | 'netrestrict' | 'invalid';

export class Table extends TypedEmitter<TableEvents> {
  private readonly buckets: Bucket[];
  private readonly ips = new DistinctNetSet(TABLE_SUBNET_BITS, TABLE_IP_LIMIT);
  private readonly byId = new Map<string, TableEntry>();
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(
    /** Our node ID (32 bytes). */
    readonly selfId: Uint8Array,
    private readonly options: TableOptions = {},
  ) {
    super();
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.buckets = Array.from({ length: N_BUCKETS }, () => ({
      entries: [],
      replacements: [],
      ips: new DistinctNetSet(TABLE_SUBNET_BITS, BUCKET_IP_LIMIT),
    }));
  }

  /** Bucket index for a node ID (geth bucketAtDistance). */
  bucketIndex(id: Uint8Array): number {
    const d = logDistance(this.selfId, id);
    return d <= BUCKET_MIN_DISTANCE ? 0 : d - BUCKET_MIN_DISTANCE - 1;
  }

  /** Number of nodes in buckets (replacements not counted). */
  get size(): number {
    return this.byId.size;
  }

  /** The entry for a node ID (hex), if in a bucket. */
  get(idHex: string): TableEntry | undefined {
    return this.byId.get(idHex);
  }

  /** Number of nodes in the bucket `id` falls in. */
  bucketSizeOf(id: Uint8Array): number {
    return this.buckets[this.bucketIndex(id)]!.entries.length;
  }

  /** Every node in the buckets. */
  nodes(): DiscNode[] {
    return [...this.byId.values()].map((e) => e.node);
  }

  /** Entries of bucket `i` (read-only view for tests and stats). */
  bucketEntries(i: number): readonly TableEntry[] {
    return this.buckets[i]!.entries;
  }

  /** Replacements of bucket `i`. */
  bucketReplacements(i: number): readonly DiscNode[] {
    return this.buckets[i]!.replacements;
  }

  /**
   * Adds a node: to its bucket if there is room, otherwise to the bucket's replacements.
   * A node already present has its record and endpoint updated when `update` is set (an
   * inbound node that just proved its endpoint), as geth bumpInBucket does.
   */
  add(node: DiscNode, update = false): AddResult {
    if (node.idHex === this.selfIdHex) return 'self';
    const ip = parseIp(node.ip);
    if (!ip) return 'invalid';
    if (this.options.netrestrict && !this.options.netrestrict.some((n) => cidrContains(n, ip))) return 'netrestrict';
    const existing = this.byId.get(node.idHex);
    const b = this.buckets[this.bucketIndex(node.id)]!;
    if (existing) {
      if (update) this.replaceNode(b, existing, node);
      return 'updated';
    }
    if (b.entries.length >= BUCKET_SIZE) return this.addReplacement(b, node);
    if (!this.addIp(b, ip)) return 'ip-limit';
    const entry: TableEntry = { node, addedAt: this.now(), livenessChecks: 0, lastCheck: 0 };
    b.entries.push(entry);
    this.byId.set(node.idHex, entry);
    this.removeReplacement(b, node.idHex);
    this.emit('node:added', node);
    return 'added';
  }

  /** Removes a node and promotes a random replacement into its place. */
  remove(idHex: string): boolean {
    const entry = this.byId.get(idHex);
    if (!entry) return false;
    const b = this.buckets[this.bucketIndex(entry.node.id)]!;
    b.entries.splice(b.entries.indexOf(entry), 1);
    this.byId.delete(idHex);
    this.removeIp(b, entry.node.ip);
    this.emit('node:removed', entry.node);
    this.promoteReplacement(b);
    return true;
  }

  /**
   * The `n` nodes closest to `target` (an ID). With `preferLive`, only nodes that passed a
   * revalidation check are used when there are any (geth findnodeByID).
   */
  closest(target: Uint8Array, n: number, preferLive = false): DiscNode[] {
    const all = new NodesByDistance(target, n);
    const live = new NodesByDistance(target, n);
    for (const e of this.byId.values()) {
      all.push(e.node);
      if (preferLive && e.livenessChecks > 0) live.push(e.node);
    }
    return preferLive && live.entries.length > 0 ? live.entries : all.entries;
  }

  /**
   * The node to revalidate next: one never checked (oldest first, geth's "fast" list), else
   * the one checked longest ago, if that was at least `minAgeMs` ago.
   */
  nextToRevalidate(minAgeMs: number): TableEntry | undefined {
    let fresh: TableEntry | undefined;
    let oldest: TableEntry | undefined;
    for (const e of this.byId.values()) {
      if (e.lastCheck === 0) {
        if (!fresh || e.addedAt < fresh.addedAt) fresh = e;
      } else if (!oldest || e.lastCheck < oldest.lastCheck) oldest = e;
    }
    if (fresh) return fresh;
    if (oldest && this.now() - oldest.lastCheck >= minAgeMs) return oldest;
    return undefined;
  }

  /**
   * Records the outcome of a revalidation ping. On success the liveness counter grows and a
   * newer record (if given) replaces the node; on failure the counter is divided by 3 and
   * the node is removed at 0 (a replacement takes its place).
   */
  revalidated(idHex: string, ok: boolean, updated?: DiscNode): void {
    const entry = this.byId.get(idHex);
    if (!entry) return;
    entry.lastCheck = this.now();
    if (ok) {
      entry.livenessChecks++;
      if (updated && updated.idHex === idHex) {
        this.replaceNode(this.buckets[this.bucketIndex(entry.node.id)]!, entry, updated);
      }
      return;
    }
    entry.livenessChecks = Math.floor(entry.livenessChecks / 3);
    if (entry.livenessChecks <= 0) this.remove(idHex);
  }

  private get selfIdHex(): string {
    return Buffer.from(this.selfId).toString('hex');
  }

  private replaceNode(b: Bucket, entry: TableEntry, node: DiscNode): void {
    if (entry.node.ip !== node.ip) {
      const ip = parseIp(node.ip);
      if (!ip) return;
      this.removeIp(b, entry.node.ip);
      if (!this.addIp(b, ip)) {
        // The new address does not fit the limits: keep the old one.
        this.addIp(b, parseIp(entry.node.ip)!);
        return;
      }
    }
    entry.node = node;
  }

  private addReplacement(b: Bucket, node: DiscNode): AddResult {
    if (b.replacements.some((r) => r.idHex === node.idHex)) return 'replacement';
    const ip = parseIp(node.ip)!;
    if (!this.addIp(b, ip)) return 'ip-limit';
    b.replacements.unshift(node);
    if (b.replacements.length > MAX_REPLACEMENTS) {
      const dropped = b.replacements.pop()!;
      this.removeIp(b, dropped.ip);
    }
    return 'replacement';
  }

  private removeReplacement(b: Bucket, idHex: string): void {
    const i = b.replacements.findIndex((r) => r.idHex === idHex);
    if (i >= 0) {
      const [r] = b.replacements.splice(i, 1);
      this.removeIp(b, r!.ip);
    }
  }

  private promoteReplacement(b: Bucket): void {
    if (b.replacements.length === 0 || b.entries.length >= BUCKET_SIZE) return;
    const i = Math.floor(this.random() * b.replacements.length);
    const [r] = b.replacements.splice(i, 1);
    // The replacement's IP is already counted; move it from the list into the bucket.
    const entry: TableEntry = { node: r!, addedAt: this.now(), livenessChecks: 0, lastCheck: 0 };
    b.entries.push(entry);
    this.byId.set(r!.idHex, entry);
    this.emit('node:added', r!);
  }

  private addIp(b: Bucket, ip: Uint8Array): boolean {
    if (isLan(ip)) return true;
    if (!this.ips.add(ip)) return false;
    if (!b.ips.add(ip)) {
      this.ips.remove(ip);
      return false;
    }
    return true;
  }

  private removeIp(b: Bucket, ipText: string): void {
    const ip = parseIp(ipText);
    if (!ip || isLan(ip)) return;
    this.ips.remove(ip);
    b.ips.remove(ip);
  }
}
