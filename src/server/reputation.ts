/**
 * Peer reputation: misbehaviour lowers a score; at the threshold the peer is disconnected and
 * its node ID and IP are banned for a while. Scores recover over time, so an honest peer's rare
 * timeout is forgotten, and survive reconnects, so a peer cannot wash its score by redialing.
 */
import { ExpiringSet } from './expiring-set.js';
import { isLanIp } from '../common/netutil.js';

/** What went wrong; each kind costs a fixed penalty (see {@link PENALTIES}). */
export type PenaltyKind = 'invalid-message' | 'timeout' | 'protocol-breach' | 'unsolicited-response' | 'useless';

/** Penalty points per kind; a peer reaching {@link BAN_THRESHOLD} is dropped and banned. */
export const PENALTIES: Record<PenaltyKind, number> = {
  'invalid-message': 25,
  timeout: 10,
  'protocol-breach': 50,
  'unsolicited-response': 5,
  useless: 20,
};
export const BAN_THRESHOLD = 100;
/** How long a banned node ID and IP stay refused. */
export const BAN_DURATION_MS = 30 * 60_000;
/** Points forgiven per minute. */
export const RECOVERY_PER_MINUTE = 10;
/** Bound on remembered scores (oldest forgotten first). */
export const MAX_TRACKED = 10_000;

interface Score {
  points: number;
  at: number;
}

export class Reputation {
  private readonly scores = new Map<string, Score>();
  private readonly bannedIds: ExpiringSet;
  private readonly bannedIps: ExpiringSet;

  constructor(
    banDurationMs = BAN_DURATION_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.bannedIds = new ExpiringSet(banDurationMs, now);
    this.bannedIps = new ExpiringSet(banDurationMs, now);
  }

  /** Current penalty points of a node after recovery. */
  points(id: string): number {
    const s = this.scores.get(id);
    if (!s) return 0;
    // Whole points only, so penalties given in quick succession add up exactly.
    const recovered = Math.floor(((this.now() - s.at) / 60_000) * RECOVERY_PER_MINUTE);
    return Math.max(0, s.points - recovered);
  }

  /** Adds a penalty; returns true if the node is now banned (the caller disconnects it). */
  penalize(id: string, ip: string | undefined, kind: PenaltyKind): boolean {
    const points = this.points(id) + PENALTIES[kind];
    this.scores.delete(id); // re-insert: Map order is our LRU order
    this.scores.set(id, { points, at: this.now() });
    if (this.scores.size > MAX_TRACKED) this.scores.delete(this.scores.keys().next().value!);
    if (points < BAN_THRESHOLD) return false;
    this.bannedIds.add(id);
    // Never ban a LAN/loopback address: it may be shared by many honest nodes (and tests).
    if (ip && !isLanIp(ip)) this.bannedIps.add(ip);
    return true;
  }

  isBanned(id?: string, ip?: string): boolean {
    return (id !== undefined && this.bannedIds.has(id)) || (ip !== undefined && this.bannedIps.has(ip));
  }

  /** Lifts a ban (operator action). */
  unban(id: string, ip?: string): void {
    this.scores.delete(id);
    this.bannedIds.delete(id);
    if (ip) this.bannedIps.delete(ip);
  }
}
