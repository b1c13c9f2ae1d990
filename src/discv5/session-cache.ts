/**
 * Session keys and pending handshake challenges, per (node ID, UDP address) (geth
 * v5wire/session.go). Sessions live in an LRU of {@link SESSION_CACHE_SIZE}; a challenge we
 * sent is kept for {@link HANDSHAKE_TIMEOUT_MS} so that a repeated packet gets the same
 * WHOAREYOU and the handshake answering it finds its challenge data.
 */
import type { Enr } from '../enode/enr.js';
import { randomBytes } from '../crypto/random.js';
import { NONCE_SIZE } from './header.js';

/** Sessions kept (geth NewSessionCache(1024, ...)). */
export const SESSION_CACHE_SIZE = 1024;
/** How long a WHOAREYOU we sent waits for its handshake (geth handshakeTimeout). */
export const HANDSHAKE_TIMEOUT_MS = 1000;
/**
 * Pending challenges kept at once. geth's map is unbounded (cleared after 1 s); we bound it at
 * the session cache size, dropping the oldest, so a flood of packets from fresh IDs cannot grow
 * memory within that second either.
 */
export const MAX_PENDING_CHALLENGES = SESSION_CACHE_SIZE;

/** An established session. */
export interface Session {
  writeKey: Uint8Array;
  readKey: Uint8Array;
  /** Messages sent: the first 4 bytes of each nonce (geth nonceCounter). */
  nonceCounter: number;
  /** The remote's record, when known (a handshake we answered always gives one). */
  node?: Enr;
}

/** A WHOAREYOU challenge: one we sent (with its bytes, for resends) or one we received. */
export interface Challenge {
  /** Nonce of the packet that caused it. */
  nonce: Uint8Array;
  idNonce: Uint8Array;
  /** The highest ENR seq of the remote known to the challenger. */
  recordSeq: bigint;
  /** The challenge's `masking-iv || header`: salt of the key derivation, signed by the ID proof. */
  challengeData: Uint8Array;
  /** Sent challenges: the remote's record if we have it. */
  node?: Enr;
  /** Sent challenges: the packet as sent (resent unchanged) and when. */
  packet?: Uint8Array;
  sentAt?: number;
}

/** The session key of a (node ID, address) pair. */
export function sessionKey(idHex: string, addr: string): string {
  return `${idHex}@${addr}`;
}

/** Bounds and hooks of a {@link SessionCache}. */
export interface SessionCacheOptions {
  maxSessions?: number;
  maxChallenges?: number;
  /** Makes a message nonce from the session's counter (tests reproduce the spec's vectors with it). */
  nonce?: (counter: number) => Uint8Array;
}

/** The counter (big-endian) then 8 random bytes (geth generateNonce). */
function counterNonce(counter: number): Uint8Array {
  const n = randomBytes(NONCE_SIZE);
  new DataView(n.buffer, n.byteOffset).setUint32(0, counter);
  return n;
}

export class SessionCache {
  private readonly sessions = new Map<string, Session>();
  private readonly challenges = new Map<string, Challenge>();
  readonly maxSessions: number;
  readonly maxChallenges: number;
  private readonly makeNonce: (counter: number) => Uint8Array;

  constructor(
    private readonly now: () => number,
    opts: SessionCacheOptions = {},
  ) {
    this.maxSessions = opts.maxSessions ?? SESSION_CACHE_SIZE;
    this.maxChallenges = opts.maxChallenges ?? MAX_PENDING_CHALLENGES;
    this.makeNonce = opts.nonce ?? counterNonce;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  get challengeCount(): number {
    return this.challenges.size;
  }

  /** The session for `key`, marked as most recently used. */
  get(key: string): Session | undefined {
    const s = this.sessions.get(key);
    if (s) {
      this.sessions.delete(key);
      this.sessions.set(key, s);
    }
    return s;
  }

  /** Stores a new session (replacing any for the key), evicting the least recently used beyond the bound. */
  store(key: string, s: Session): void {
    this.sessions.delete(key);
    this.sessions.set(key, s);
    while (this.sessions.size > this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
  }

  delete(key: string): void {
    this.sessions.delete(key);
  }

  /** The next nonce of a session (geth nextNonce). */
  nextNonce(s: Session): Uint8Array {
    s.nonceCounter = (s.nonceCounter + 1) >>> 0;
    return this.makeNonce(s.nonceCounter);
  }

  /** The challenge we sent to `key` that has not expired. */
  challenge(key: string): Challenge | undefined {
    const c = this.challenges.get(key);
    if (c && this.now() - (c.sentAt ?? 0) > HANDSHAKE_TIMEOUT_MS) {
      this.challenges.delete(key);
      return undefined;
    }
    return c;
  }

  storeChallenge(key: string, c: Challenge): void {
    this.gcChallenges();
    c.sentAt = this.now();
    this.challenges.delete(key);
    this.challenges.set(key, c);
    while (this.challenges.size > this.maxChallenges) this.challenges.delete(this.challenges.keys().next().value!);
  }

  deleteChallenge(key: string): void {
    this.challenges.delete(key);
  }

  /** Drops expired challenges (oldest first: the map is in sending order). */
  private gcChallenges(): void {
    const deadline = this.now() - HANDSHAKE_TIMEOUT_MS;
    for (const [k, c] of this.challenges) {
      if ((c.sentAt ?? 0) >= deadline) break;
      this.challenges.delete(k);
    }
  }
}
