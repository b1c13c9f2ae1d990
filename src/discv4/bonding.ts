/**
 * Endpoint proofs both ways (geth `v4_udp.go` ensureBond, `table.go` bond expiry).
 *
 * Theirs to us: a Pong from (node ID, IP) with the right reply token proves that endpoint for
 * {@link BOND_EXPIRATION_MS}; only then do we answer its FindNode or ENRRequest
 * ({@link Bonding.hasProof}).
 *
 * Ours to them, before our own FindNode or ENRRequest ({@link Bonding.ensureBond}): if the node
 * has not pinged us within the bond period (or keeps failing our FindNodes), we ping it; a node
 * without our proof then pings us back, and our Pong to that Ping is the proof. geth waits for
 * all this blind: after its Ping's reply it always sleeps respTimeout "for them to ping back and
 * process our pong". We wait for the signal instead: the node's Ping (at most respTimeout after
 * its Pong, as geth's sleep), which the Ping handler answers at once and reports here
 * ({@link Bonding.pingReceived}). Our Pong can still be overtaken by the request sent right
 * behind it; rather than a blind sleep for that, the request is resent once if it gets no reply
 * in time ({@link Bonding.resendAfterPong}).
 *
 * Each ensureBond call is a {@link BondAttempt}: an explicit state machine whose moves are
 * checked against {@link BOND_MOVES} in one place, and which owns the timer of its wait for the
 * ping-back. {@link Bonding.close} ends every wait.
 */
import { Discv4ClosedError } from './errors.js';
import { type DiscNode, endpointKey } from './node.js';
import type { NodeDb } from './nodedb.js';
import type { Resend } from './reply-matcher.js';
import { abortError } from '../common/abortable.js';

/** How long a Pong from (ID, IP) counts as endpoint proof (geth bondExpiration). */
export const BOND_EXPIRATION_MS = 24 * 3600_000;
/** FindNode failures after which we bond again, and a node may leave the table (geth maxFindnodeFailures). */
export const MAX_FINDNODE_FAILURES = 5;

/**
 * Where one ensureBond call stands:
 * - `check`: deciding from the node database whether the node holds our proof;
 * - `pinging`: our Ping is out, waiting for its Pong;
 * - `awaiting-ping-back`: Pong received, waiting (bounded) for the node's own Ping;
 * - `ready`: the request may go (the node pinged us, or the wait ended without a Ping: a node
 *   that already holds our proof never pings back);
 * - `failed`: the Ping failed, or the caller aborted, or the node closed.
 */
export type BondState = 'check' | 'pinging' | 'awaiting-ping-back' | 'ready' | 'failed';

/** The allowed moves of a {@link BondAttempt}; `ready` and `failed` are final. */
export const BOND_MOVES: { readonly [S in BondState]: readonly BondState[] } = {
  check: ['ready', 'pinging'],
  pinging: ['ready', 'awaiting-ping-back', 'failed'],
  'awaiting-ping-back': ['ready', 'failed'],
  ready: [],
  failed: [],
};

/** One ensureBond call: its state, and the timer of its wait for the ping-back. */
export class BondAttempt {
  private current: BondState = 'check';
  private timer: NodeJS.Timeout | undefined;
  private settle: ((err?: Error) => void) | undefined;

  constructor(
    /** {@link endpointKey} of the node being bonded. */
    readonly key: string,
  ) {}

  get state(): BondState {
    return this.current;
  }

  /** True while the wait for the ping-back has its timer armed. */
  get waiting(): boolean {
    return this.timer !== undefined;
  }

  /** The one place a state changes; throws on a move {@link BOND_MOVES} does not allow. */
  move(next: BondState): void {
    if (!BOND_MOVES[this.current].includes(next)) throw new Error(`bond ${this.key}: no move from ${this.current} to ${next}`);
    this.current = next;
  }

  /**
   * Moves to `awaiting-ping-back` and waits up to `ms`: resolves (state `ready`) when the time
   * is up or {@link end} is called without an error (the ping-back came); rejects (state
   * `failed`) with the signal's reason on abort, or with the error given to {@link end}.
   * `released` runs once, synchronously, when the wait ends either way.
   */
  waitForPingBack(ms: number, signal: AbortSignal | undefined, released: () => void): Promise<void> {
    this.move('awaiting-ping-back');
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => this.end(abortError(signal!));
      this.settle = (err) => {
        this.settle = undefined;
        clearTimeout(this.timer);
        this.timer = undefined;
        signal?.removeEventListener('abort', onAbort);
        released();
        this.move(err ? 'failed' : 'ready');
        if (err) reject(err);
        else resolve();
      };
      this.timer = setTimeout(() => this.end(), ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Ends the wait for the ping-back: early success without `err`, failure with it. No-op when not waiting. */
  end(err?: Error): void {
    this.settle?.(err);
  }
}

/** What bonding needs from the node. */
export interface BondingHost {
  readonly db: NodeDb;
  readonly now: () => number;
  readonly bondExpirationMs: number;
  readonly respTimeoutMs: number;
  isOpen(): boolean;
  /** Pings the node; resolves with its Pong. */
  ping(node: DiscNode, signal: AbortSignal | undefined): Promise<unknown>;
}

/** Endpoint proofs of one discv4 node, both ways. */
export class Bonding {
  /** ensureBond calls waiting for a Ping from (ID, IP), woken by {@link pingReceived}. */
  private readonly awaitingPingBack = new Map<string, Set<BondAttempt>>();
  /**
   * When (performance.now()) we last answered a Ping from (ID, IP), for Pongs younger than
   * {@link pongSettleMs}: such a Pong may be the endpoint proof the remote needs before it
   * answers our FindNode. Insertion order is time order, so pruning reads from the front.
   */
  private readonly recentPongs = new Map<string, number>();
  /** How long after our Pong a FindNode or ENRRequest without reply is resent (respTimeout / 2). */
  private readonly pongSettleMs: number;

  constructor(private readonly host: BondingHost) {
    this.pongSettleMs = host.respTimeoutMs / 2;
  }

  /** True if (node ID, IP) has a valid endpoint proof with us (we got its Pong recently). */
  hasProof(idHex: string, ip: string): boolean {
    const t = this.host.db.lastPongReceived(idHex, ip);
    return t > 0 && this.host.now() - t < this.host.bondExpirationMs;
  }

  /**
   * Makes it likely that `node` holds our endpoint proof before we send it a FindNode or
   * ENRRequest, which it would otherwise drop in silence (see the module comment).
   */
  async ensureBond(node: DiscNode, signal?: AbortSignal): Promise<void> {
    const { db, now } = this.host;
    const bond = new BondAttempt(endpointKey(node.idHex, node.ip));
    const tooOld = now() - db.lastPingReceived(node.idHex, node.ip) > this.host.bondExpirationMs;
    if (!tooOld && db.findFails(node.idHex, node.ip) <= MAX_FINDNODE_FAILURES) return bond.move('ready');
    bond.move('pinging');
    const asked = now();
    try {
      await this.host.ping(node, signal);
    } catch (err) {
      bond.move('failed');
      throw err;
    }
    // A Ping that arrived after ours went out is its ping-back, already answered with our Pong.
    if (db.lastPingReceived(node.idHex, node.ip) >= asked) return bond.move('ready');
    if (!this.host.isOpen()) {
      bond.move('failed');
      throw new Discv4ClosedError();
    }
    if (signal?.aborted) {
      bond.move('failed');
      throw abortError(signal);
    }
    let set = this.awaitingPingBack.get(bond.key);
    if (!set) this.awaitingPingBack.set(bond.key, (set = new Set()));
    set.add(bond);
    await bond.waitForPingBack(this.host.respTimeoutMs, signal, () => {
      set.delete(bond);
      if (set.size === 0 && this.awaitingPingBack.get(bond.key) === set) this.awaitingPingBack.delete(bond.key);
    });
  }

  /**
   * The Ping handler answered a Ping from (ID, IP) with a Pong: ends the waits for that
   * ping-back and remembers the Pong for {@link resendAfterPong}.
   */
  pingReceived(idHex: string, ip: string): void {
    const k = endpointKey(idHex, ip);
    this.notePongSent(k);
    const waiting = this.awaitingPingBack.get(k);
    if (waiting) for (const bond of [...waiting]) bond.end();
  }

  /**
   * If we answered a Ping from `node` less than {@link pongSettleMs} ago, that Pong may be the
   * endpoint proof the node needs to answer the request we are about to send, and on a network
   * that reorders datagrams the request can overtake it and be dropped. The reply is the only
   * signal that the Pong landed (nothing acknowledges a Pong), so: send at once, and if no reply
   * has come when the Pong is pongSettleMs (respTimeout / 2) old, send the same request once
   * more. Half a respTimeout is one leg of a round trip that is expected within respTimeout;
   * geth sleeps a full respTimeout before every such request instead. The cost is nothing when
   * the reply comes in time, one extra request when it was dropped, and a duplicate answer
   * (ignored) from a node whose reply is merely slower than that.
   */
  resendAfterPong(node: DiscNode, packet: Uint8Array): Resend | undefined {
    const pongAt = this.recentPongs.get(endpointKey(node.idHex, node.ip));
    if (pongAt === undefined || performance.now() - pongAt >= this.pongSettleMs) return undefined;
    return { atMs: pongAt + this.pongSettleMs, packet };
  }

  /** Ends every wait for a ping-back with {@link Discv4ClosedError} and forgets recent Pongs. */
  close(): void {
    for (const set of [...this.awaitingPingBack.values()]) for (const bond of [...set]) bond.end(new Discv4ClosedError());
    this.awaitingPingBack.clear();
    this.recentPongs.clear();
  }

  /** Timers armed by waits for a ping-back. */
  get armedTimers(): number {
    let n = 0;
    for (const set of this.awaitingPingBack.values()) for (const bond of set) if (bond.waiting) n++;
    return n;
  }

  /** Records that we just answered a Ping from `k`; forgets Pongs older than {@link pongSettleMs}. */
  private notePongSent(k: string): void {
    const t = performance.now();
    for (const [key, at] of this.recentPongs) {
      if (t - at < this.pongSettleMs) break;
      this.recentPongs.delete(key);
    }
    this.recentPongs.delete(k);
    this.recentPongs.set(k, t);
  }
}
