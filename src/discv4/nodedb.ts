/**
 * The node database: endpoint-proof times and lookup failures per (node ID, IP), plus the
 * node records used as seeds after a restart (geth `p2p/enode/nodedb.go`).
 *
 * geth keeps this in LevelDB; the issue suggested classic-level, but that is a native addon,
 * which this project does not allow. {@link MemoryNodeDb} keeps everything in a Map and
 * {@link FileNodeDb} persists it as a JSON-lines file (one node per line) written atomically
 * (temp file + rename) on a timer and at close. Entries expire when nothing was heard from
 * them for {@link NODE_DB_EXPIRATION_MS}; the number of entries is bounded.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { enrFromText, enrToText } from '../enode/enr.js';
import { type DiscNode, endpointKey, makeNode, nodeFromEnode, nodeToEnode, withEnr } from './node.js';

/** Entries not heard from for this long are dropped (geth dbNodeExpiration is 24 h for bonds; seeds are read up to 5 days back). */
export const NODE_DB_EXPIRATION_MS = 5 * 24 * 3600_000;
/** Most entries kept; the least recently updated go first. */
export const MAX_NODE_DB_ENTRIES = 50_000;
/** How often a FileNodeDb writes itself out. */
export const NODE_DB_FLUSH_INTERVAL_MS = 60_000;
/** File name under the node directory. */
export const NODE_DB_FILE = 'discv4-nodes.jsonl';

/** What is stored per (node ID, IP). Times are ms since the epoch, 0 if never. */
export interface NodeDbEntry {
  node?: DiscNode;
  lastPingReceived: number;
  lastPongReceived: number;
  findFails: number;
}

/** Storage behind endpoint proofs and seeds. */
export interface NodeDb {
  lastPingReceived(idHex: string, ip: string): number;
  updateLastPingReceived(idHex: string, ip: string, t: number): void;
  lastPongReceived(idHex: string, ip: string): number;
  updateLastPongReceived(idHex: string, ip: string, t: number): void;
  findFails(idHex: string, ip: string): number;
  updateFindFails(idHex: string, ip: string, n: number): void;
  /** Stores the node's record/endpoint (for seeding). */
  updateNode(node: DiscNode): void;
  /** Up to `n` nodes with a pong received within `maxAgeMs`, most recent first. */
  seedNodes(n: number, maxAgeMs: number, now: number): DiscNode[];
  close(): Promise<void>;
}

/** An in-memory node database. */
export class MemoryNodeDb implements NodeDb {
  protected readonly entries = new Map<string, NodeDbEntry>();
  protected dirty = false;

  constructor(protected readonly maxEntries = MAX_NODE_DB_ENTRIES) {}

  get size(): number {
    return this.entries.size;
  }

  protected entry(idHex: string, ip: string, create: true): NodeDbEntry;
  protected entry(idHex: string, ip: string, create: false): NodeDbEntry | undefined;
  protected entry(idHex: string, ip: string, create: boolean): NodeDbEntry | undefined {
    const k = endpointKey(idHex, ip);
    let e = this.entries.get(k);
    if (!e && create) {
      e = { lastPingReceived: 0, lastPongReceived: 0, findFails: 0 };
      if (this.entries.size >= this.maxEntries) {
        // Map order is update order (see touch): drop the stalest.
        const first = this.entries.keys().next().value;
        if (first !== undefined) this.entries.delete(first);
      }
    }
    if (e && create) {
      // Re-insert so iteration order is least-recently-updated first.
      this.entries.delete(k);
      this.entries.set(k, e);
      this.dirty = true;
    }
    return e;
  }

  lastPingReceived(idHex: string, ip: string): number {
    return this.entry(idHex, ip, false)?.lastPingReceived ?? 0;
  }
  updateLastPingReceived(idHex: string, ip: string, t: number): void {
    this.entry(idHex, ip, true).lastPingReceived = t;
  }
  lastPongReceived(idHex: string, ip: string): number {
    return this.entry(idHex, ip, false)?.lastPongReceived ?? 0;
  }
  updateLastPongReceived(idHex: string, ip: string, t: number): void {
    this.entry(idHex, ip, true).lastPongReceived = t;
  }
  findFails(idHex: string, ip: string): number {
    return this.entry(idHex, ip, false)?.findFails ?? 0;
  }
  updateFindFails(idHex: string, ip: string, n: number): void {
    this.entry(idHex, ip, true).findFails = n;
  }
  updateNode(node: DiscNode): void {
    this.entry(node.idHex, node.ip, true).node = node;
  }

  seedNodes(n: number, maxAgeMs: number, now: number): DiscNode[] {
    const out: NodeDbEntry[] = [];
    for (const e of this.entries.values()) {
      if (e.node && e.lastPongReceived > 0 && now - e.lastPongReceived <= maxAgeMs) out.push(e);
    }
    out.sort((a, b) => b.lastPongReceived - a.lastPongReceived);
    return out.slice(0, n).map((e) => e.node!);
  }

  /** Drops entries not heard from within {@link NODE_DB_EXPIRATION_MS}. */
  expire(now: number): void {
    for (const [k, e] of this.entries) {
      if (Math.max(e.lastPingReceived, e.lastPongReceived) < now - NODE_DB_EXPIRATION_MS) {
        this.entries.delete(k);
        this.dirty = true;
      }
    }
  }

  async close(): Promise<void> {}
}

interface FileLine {
  id: string;
  ip: string;
  /** ENR text if known, else enode URL. */
  node?: string;
  enode?: string;
  ping: number;
  pong: number;
  fails: number;
}

/** A {@link MemoryNodeDb} persisted to `<dir>/discv4-nodes.jsonl`. */
export class FileNodeDb extends MemoryNodeDb {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(readonly path: string, maxEntries: number) {
    super(maxEntries);
  }

  /** Opens (creating the directory if needed) and loads the file; unreadable lines are skipped. */
  static async open(dir: string, opts: { flushIntervalMs?: number; maxEntries?: number; now?: number } = {}): Promise<FileNodeDb> {
    await mkdir(dir, { recursive: true });
    const db = new FileNodeDb(join(dir, NODE_DB_FILE), opts.maxEntries ?? MAX_NODE_DB_ENTRIES);
    let text = '';
    try {
      text = await readFile(db.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        db.loadLine(JSON.parse(line) as FileLine);
      } catch {
        // A damaged line loses one node, not the database.
      }
    }
    db.expire(opts.now ?? Date.now());
    db.dirty = false;
    const every = opts.flushIntervalMs ?? NODE_DB_FLUSH_INTERVAL_MS;
    if (every > 0) {
      db.timer = setInterval(() => void db.flush().catch(() => undefined), every);
      db.timer.unref();
    }
    return db;
  }

  private loadLine(l: FileLine): void {
    if (typeof l.id !== 'string' || typeof l.ip !== 'string') return;
    const e = this.entry(l.id, l.ip, true);
    e.lastPingReceived = Number(l.ping) || 0;
    e.lastPongReceived = Number(l.pong) || 0;
    e.findFails = Number(l.fails) || 0;
    let node: DiscNode | undefined;
    if (l.enode) node = nodeFromEnode(l.enode);
    if (node && l.node?.startsWith('enr:')) node = withEnr(node, enrFromText(l.node));
    if (node && node.idHex === l.id) e.node = makeNode(node.publicKey, node.ip, node.udpPort, node.tcpPort, node.enr);
  }

  /** Writes the file if anything changed since the last write. */
  async flush(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const lines: string[] = [];
    for (const [k, e] of this.entries) {
      const at = k.indexOf('@');
      const line: FileLine = { id: k.slice(0, at), ip: k.slice(at + 1), ping: e.lastPingReceived, pong: e.lastPongReceived, fails: e.findFails };
      if (e.node) {
        line.enode = nodeToEnode(e.node);
        if (e.node.enr) line.node = enrToText(e.node.enr);
      }
      lines.push(JSON.stringify(line));
    }
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, lines.join('\n') + (lines.length ? '\n' : ''));
    await rename(tmp, this.path);
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.dirty = true;
    await this.flush();
  }
}
