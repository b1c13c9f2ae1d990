/**
 * Chooses whom to dial, as geth's dialScheduler: static peers are kept connected (redialed with
 * backoff); dynamic candidates come from bootnodes and a discovery iterator and fill the free
 * outbound slots. A node dialed recently is not dialed again within the history window; nodes
 * already connected or being dialed, ourselves, and addresses outside netrestrict are skipped.
 */
import { bytesToHex } from '../common/bytes.js';
import { nodeIdOf } from '../enode/key.js';
import type { Enode } from '../enode/enode-url.js';
import { ExpiringSet } from './expiring-set.js';
import type { NetList } from '../common/netutil.js';

/** geth's dialHistoryExpiration: inboundThrottleTime + 5 s. */
export const DIAL_HISTORY_MS = 35_000;
/** Static redial backoff: doubles per consecutive failure, from this... */
export const STATIC_BACKOFF_MIN_MS = 1_000;
/** ...up to this. */
export const STATIC_BACKOFF_MAX_MS = 60_000;

/** A dial candidate; `source` says where it came from (for metrics and logs). */
export interface DialCandidate extends Enode {
  source?: 'static' | 'bootnode' | 'discovery' | 'trusted';
}

/** What the scheduler needs to know about the server's state. */
export interface DialState {
  selfId: string;
  isConnected(id: string): boolean;
  /** Free outbound slots for dynamic dials (geth: min((maxDialed - dialed) * 2, maxActiveDials) - dialing). */
  freeDynamicSlots(): number;
  /** Total dials in flight may not exceed this (maxActiveDials). */
  maxActiveDials: number;
  netrestrict?: NetList;
  /** Banned node IDs and IPs are not dialed. */
  isBanned?(id: string, ip: string): boolean;
}

export function enodeId(e: Enode): string {
  return bytesToHex(nodeIdOf(e.publicKey));
}

interface StaticEntry {
  node: DialCandidate;
  failures: number;
  nextAttempt: number;
}

export class DialScheduler {
  private readonly statics = new Map<string, StaticEntry>();
  readonly dialing = new Set<string>();
  private readonly history: ExpiringSet;
  private readonly queue: DialCandidate[] = [];
  private readonly queued = new Set<string>();
  /** Bound on candidates buffered from bootnodes and discovery. */
  static readonly MAX_QUEUE = 256;

  constructor(
    private readonly state: DialState,
    historyMs = DIAL_HISTORY_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.history = new ExpiringSet(historyMs, now);
  }

  /** Trusted static peers are dialed even when no outbound slot is free (they bypass limits). */
  addStatic(node: Enode, source: DialCandidate['source'] = 'static'): void {
    const id = enodeId(node);
    if (!this.statics.has(id)) this.statics.set(id, { node: { ...node, source }, failures: 0, nextAttempt: 0 });
  }

  removeStatic(node: Enode): void {
    this.statics.delete(enodeId(node));
  }

  isStatic(id: string): boolean {
    return this.statics.has(id);
  }

  /** Offers a dynamic candidate (bootnode or discovery); returns false if it was not taken. */
  offer(node: DialCandidate): boolean {
    const id = enodeId(node);
    if (this.queue.length >= DialScheduler.MAX_QUEUE || this.queued.has(id) || !this.dialable(id, node)) return false;
    this.queue.push(node);
    this.queued.add(id);
    return true;
  }

  /** Whether the scheduler wants more dynamic candidates. */
  get wantsCandidates(): boolean {
    return this.queue.length < this.state.freeDynamicSlots();
  }

  private dialable(id: string, node: Enode): boolean {
    if (id === this.state.selfId) return false;
    if (node.tcpPort === 0) return false;
    if (this.dialing.has(id) || this.state.isConnected(id)) return false;
    if (this.state.netrestrict && !this.state.netrestrict.contains(node.ip)) return false;
    if (this.state.isBanned?.(id, node.ip)) return false;
    return true;
  }

  /** The dials to start now (and marks them as dialing). */
  next(): DialCandidate[] {
    const out: DialCandidate[] = [];
    const now = this.now();
    let budget = this.state.maxActiveDials - this.dialing.size;
    // As geth: static dials take outbound slots first; trusted ones need only a dial budget.
    let slots = this.state.freeDynamicSlots();
    for (const [id, e] of this.statics) {
      if (budget <= 0) break;
      const trusted = e.node.source === 'trusted';
      if ((!trusted && slots <= 0) || e.nextAttempt > now || !this.dialable(id, e.node)) continue;
      out.push(e.node);
      this.dialing.add(id);
      budget--;
      if (!trusted) slots--;
    }
    let dynamic = Math.min(budget, slots);
    while (dynamic > 0 && this.queue.length > 0) {
      const node = this.queue.shift()!;
      const id = enodeId(node);
      this.queued.delete(id);
      if (this.history.has(id) || !this.dialable(id, node)) continue;
      this.history.add(id);
      out.push(node);
      this.dialing.add(id);
      dynamic--;
    }
    this.history.prune();
    return out;
  }

  /** Records the end of a dial. */
  done(node: Enode, ok: boolean): void {
    const id = enodeId(node);
    this.dialing.delete(id);
    const e = this.statics.get(id);
    if (!e) return;
    if (ok) {
      e.failures = 0;
    } else {
      e.nextAttempt = this.now() + Math.min(STATIC_BACKOFF_MAX_MS, STATIC_BACKOFF_MIN_MS * 2 ** e.failures);
      e.failures++;
    }
  }

  /** A static peer disconnected: redial it after the base backoff. */
  disconnected(id: string): void {
    const e = this.statics.get(id);
    if (e) e.nextAttempt = Math.max(e.nextAttempt, this.now() + STATIC_BACKOFF_MIN_MS);
  }

  /** Milliseconds until the next static redial is due (for the server's timer), or undefined. */
  nextStaticDueIn(): number | undefined {
    let min: number | undefined;
    const now = this.now();
    for (const [id, e] of this.statics) {
      if (this.dialing.has(id) || this.state.isConnected(id)) continue;
      const d = Math.max(0, e.nextAttempt - now);
      if (min === undefined || d < min) min = d;
    }
    return min;
  }
}
