/**
 * Header sync from several peers at once, verified from a trusted head downwards.
 *
 * The target (number, hash) comes from a peer's Status/BlockRangeUpdate or a --checkpoint; the
 * range below it is cut into chunks that idle peers fetch by number in parallel. Each chunk is
 * checked on arrival (count, consecutive numbers, parent links, increasing timestamps, hashes
 * computed from the received bytes), then verified against the chain above it: its top header's
 * hash must be the parentHash of the lowest verified header. Because every verified header
 * commits to its parent, a peer that serves a wrong header is always the one caught, and its
 * chunk is fetched again from another peer. Timeouts and bad data cost the peer reputation; a
 * peer that keeps failing is no longer asked. Verified chunks go to the {@link HeaderStore} as
 * they connect, so a stop (or a kill) loses at most the chunks in flight.
 *
 * Over 400 lines on purpose: one scheduler (chunk assignment, verification against the chain
 * above, peer penalties, store writes) whose state is shared by every step; about a fifth is
 * TSDoc.
 */
import { setMaxListeners } from 'node:events';
import { ignoreAbort, sleep } from '../../common/abortable.js';
import { bytesToHex, equalBytes } from '../../common/bytes.js';
import { TypedEmitter } from '../../common/emitter.js';
import { EthRequestError } from '../../eth/errors.js';
import type { BlockHeader } from '../../chain/header.js';
import type { HeaderRecord } from '../../chain/header-record.js';
import type { HeaderStore, SyncTarget } from './header-store.js';

/** Headers per request (Erigon's 192; geth serves up to 1024). */
export const DEFAULT_CHUNK_SIZE = 192;
/**
 * Requests in flight per peer: more requests hide the round trip, so a peer stays busy while
 * its previous answers are decoded, verified and stored (measured on loopback with 3 peers:
 * 1 -> about 12k, 2 -> 17k, 4 -> 22-26k headers/s).
 */
export const DEFAULT_MAX_IN_FLIGHT_PER_PEER = 4;
/** Per-request timeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/**
 * Chunks in hand at most: in flight, fetched and waiting to connect, or being written. The sync's
 * memory bound (32 chunks of 192 decoded headers, about 15 MiB live); 64 measured no faster on
 * loopback and let the syncing process's RSS peak about 55 MiB higher.
 */
export const MAX_BUFFERED_CHUNKS = 32;
/** A peer failing this many requests in a row is no longer asked. */
export const DEFAULT_MAX_PEER_FAILURES = 3;
/** The sync gives up when no peer can make progress for this long. */
export const DEFAULT_STALL_TIMEOUT_MS = 60_000;
/** Rounds over the peers asking for the target header before giving up. */
export const TARGET_FETCH_ROUNDS = 50;
/** Pause between two such rounds. */
export const TARGET_RETRY_MS = 200;
/** A `progress` event at most this often. */
export const PROGRESS_INTERVAL_MS = 1_000;
/**
 * While nothing is in flight or being written, only a change of the peer list can let the sync
 * go on, and `peers()` has no change event: it is read again this often.
 */
export const IDLE_PEER_POLL_MS = 20;

/** What the sync needs of a peer (an EthPeer adapter in the node, a fake in tests). */
export interface SyncPeer {
  readonly id: string;
  /** Headers [from, from + amount) in ascending order (fewer if the peer lacks them). */
  getHeaders(from: bigint, amount: number, opts: { timeoutMs: number; signal: AbortSignal }): Promise<HeaderRecord[]>;
  /** Headers by hash (for the target header itself). */
  getHeaderByHash(hash: Uint8Array, opts: { timeoutMs: number; signal: AbortSignal }): Promise<BlockHeader | undefined>;
  /**
   * Reputation hook: bad data or a timeout. A request that got no answer in time rejects with
   * an {@link EthRequestError} whose reason is 'timeout'; any other rejection counts as bad data.
   */
  penalize(kind: 'invalid-message' | 'timeout', detail: string): void;
}

export interface HeaderSyncOptions {
  store: HeaderStore;
  target: SyncTarget;
  /** Lowest header to fetch (default 0). */
  from?: bigint;
  /** Hash that header `from` must have when known (genesis hash for from = 0). */
  fromHash?: Uint8Array;
  /** The peers to use; read again whenever a worker looks for work, so peers may come and go. */
  peers: () => readonly SyncPeer[];
  /** Headers per request (default {@link DEFAULT_CHUNK_SIZE}). */
  chunkSize?: number;
  /** Requests in flight per peer (default {@link DEFAULT_MAX_IN_FLIGHT_PER_PEER}). */
  maxInFlightPerPeer?: number;
  /** Per-request timeout (default {@link DEFAULT_REQUEST_TIMEOUT_MS}). */
  requestTimeoutMs?: number;
  /** Chunks in hand (fetched, in flight, or being written to the store), at most (default {@link MAX_BUFFERED_CHUNKS}). */
  maxBufferedChunks?: number;
  /** A peer failing this many requests in a row is no longer asked (default {@link DEFAULT_MAX_PEER_FAILURES}). */
  maxPeerFailures?: number;
  signal?: AbortSignal;
  /** Gives up when no peer can make progress for this long (default {@link DEFAULT_STALL_TIMEOUT_MS}). */
  stallTimeoutMs?: number;
}

export interface SyncProgress {
  /** Headers verified and stored in this range. */
  verified: bigint;
  total: bigint;
  lowest: bigint;
  headersPerSecond: number;
  activePeers: number;
}

export interface SyncResult {
  headers: bigint;
  ms: number;
  /** Requests per peer id, and bad responses per peer id. */
  requests: Record<string, number>;
  rejected: Record<string, number>;
  timeouts: Record<string, number>;
}

export interface HeaderSyncEvents {
  progress: (p: SyncProgress) => void;
  /** A peer's chunk was refused (detail says why). */
  rejected: (peerId: string, detail: string) => void;
}

/**
 * Raised when the sync cannot finish (no usable peers, stalled, aborted, bad target). An abort
 * (kind 'aborted') is named 'AbortError', as every abort in the stack, with the signal's reason
 * as its cause.
 */
export class SyncError extends Error {
  constructor(
    message: string,
    readonly kind: 'aborted' | 'stalled' | 'no-peers' | 'bad-target' | 'bad-base' | 'store',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = kind === 'aborted' ? 'AbortError' : 'SyncError';
  }
}

interface Chunk {
  lo: bigint;
  hi: bigint;
  /** Peers that served this chunk wrongly: not asked for it again. */
  excluded: Set<string>;
  headers?: HeaderRecord[];
  servedBy?: string;
}

/** Checks a chunk on its own; returns why it is wrong, or undefined. */
export function checkChunk(headers: readonly HeaderRecord[], lo: bigint, hi: bigint): string | undefined {
  const want = Number(hi - lo + 1n);
  if (headers.length !== want) return `expected ${want} headers from ${lo}, got ${headers.length}`;
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    if (h.number !== lo + BigInt(i)) return `header ${i} has number ${h.number}, expected ${lo + BigInt(i)}`;
    if (i > 0) {
      const p = headers[i - 1]!;
      if (!equalBytes(h.parentHash, p.hash)) return `header ${h.number} does not link to its parent`;
      if (h.time <= p.time) return `header ${h.number} timestamp does not increase`;
    }
  }
  return undefined;
}

export class HeaderSync extends TypedEmitter<HeaderSyncEvents> {
  private readonly chunkSize: bigint;
  private readonly requestTimeoutMs: number;
  private readonly maxBuffered: number;
  private readonly maxFailures: number;
  private readonly stallTimeoutMs: number;
  private readonly from: bigint;
  private readonly queue: Chunk[] = [];
  private readonly fetched = new Map<bigint, Chunk>();
  /** Requests in flight per peer id (absent: none). */
  private readonly busy = new Map<string, number>();
  private inFlight = 0;
  /** Chunks in the store append in progress (they hold memory until it completes). */
  private writingChunks = 0;
  /** The store append in progress, if any. */
  private writing: Promise<void> | undefined;
  private storeError: Error | undefined;
  private readonly perPeer: number;
  private readonly failures = new Map<string, number>();
  private readonly result: SyncResult = { headers: 0n, ms: 0, requests: {}, rejected: {}, timeouts: {} };
  private lastProgress: SyncProgress | undefined;
  private readonly abort = new AbortController();
  private nextHi = 0n;
  private lastProgressAt = Date.now();
  /** Ends the loop's current wait early; the loop replaces it with each wait. */
  private wake?: () => void;

  constructor(private readonly opts: HeaderSyncOptions) {
    super();
    this.chunkSize = BigInt(opts.chunkSize ?? DEFAULT_CHUNK_SIZE);
    this.perPeer = Math.max(1, opts.maxInFlightPerPeer ?? DEFAULT_MAX_IN_FLIGHT_PER_PEER);
    // Every request in flight listens on the sync's signal.
    setMaxListeners(0, this.abort.signal);
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.maxBuffered = opts.maxBufferedChunks ?? MAX_BUFFERED_CHUNKS;
    this.maxFailures = opts.maxPeerFailures ?? DEFAULT_MAX_PEER_FAILURES;
    this.stallTimeoutMs = opts.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    this.from = opts.from ?? 0n;
  }

  /** Runs to completion; resolves with per-peer statistics, rejects with {@link SyncError}. */
  async run(): Promise<SyncResult> {
    const started = Date.now();
    const { store, target } = this.opts;
    const onAbort = () => this.abort.abort(this.opts.signal!.reason);
    this.opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      store.setTarget(target);
      if (store.lowest === undefined) await this.fetchTarget();
      this.nextHi = store.lowest! - 1n;
      await this.loop();
      if (this.opts.fromHash && this.from >= 0n) {
        const base = store.get(this.from);
        if (!base || !equalBytes(base.hash, this.opts.fromHash)) throw new SyncError(`header ${this.from} does not have the expected hash`, 'bad-base');
      }
      this.result.ms = Date.now() - started;
      return this.result;
    } finally {
      this.opts.signal?.removeEventListener('abort', onAbort);
      this.abort.abort(new Error('sync finished'));
      // Never leave with a write in flight: the caller may close the store next.
      await this.writing;
    }
  }

  private reportProgress(total: bigint, headersPerSecond: number): void {
    const lowest = this.opts.store.lowest!;
    this.lastProgress = { verified: this.opts.target.number - lowest + 1n, total, lowest, headersPerSecond, activePeers: this.busy.size };
    this.emit('progress', this.lastProgress);
  }

  /** The latest progress (as last emitted, about once a second and at the end); undefined before the first. */
  get progress(): SyncProgress | undefined {
    return this.lastProgress;
  }

  private get signal(): AbortSignal {
    return this.abort.signal;
  }

  private count(map: Record<string, number>, id: string): void {
    map[id] = (map[id] ?? 0) + 1;
  }

  private usablePeers(): SyncPeer[] {
    return this.opts.peers().filter((p) => (this.failures.get(p.id) ?? 0) < this.maxFailures);
  }

  private checkAborted(): void {
    if (this.opts.signal?.aborted) throw new SyncError('sync aborted', 'aborted', { cause: this.opts.signal.reason });
  }

  /** Fetches the target header by hash from any peer that has it. */
  private async fetchTarget(): Promise<void> {
    const { target, store } = this.opts;
    for (let round = 0; round < TARGET_FETCH_ROUNDS; round++) {
      this.checkAborted();
      for (const p of this.usablePeers()) {
        this.count(this.result.requests, p.id);
        try {
          const h = await p.getHeaderByHash(target.hash, { timeoutMs: this.requestTimeoutMs, signal: this.signal });
          if (h && equalBytes(h.hash, target.hash) && h.number === target.number) {
            store.append([h]);
            this.result.headers++;
            return;
          }
          if (h) {
            p.penalize('invalid-message', 'wrong target header');
            this.count(this.result.rejected, p.id);
          }
        } catch (err) {
          this.checkAborted();
          this.noteFailure(p, err);
        }
      }
      // An abort ends the pause; the next round's check turns it into SyncError('aborted').
      await sleep(TARGET_RETRY_MS, { signal: this.signal }).catch(ignoreAbort);
    }
    throw new SyncError(`no peer served the target header ${target.number} ${bytesToHex(target.hash).slice(0, 16)}`, 'bad-target');
  }

  private noteFailure(p: SyncPeer, err: unknown): void {
    this.failures.set(p.id, (this.failures.get(p.id) ?? 0) + 1);
    const timeout = err instanceof EthRequestError && err.reason === 'timeout';
    if (timeout) this.count(this.result.timeouts, p.id);
    p.penalize(timeout ? 'timeout' : 'invalid-message', err instanceof Error ? err.message : String(err));
  }

  /**
   * Waits for the next event that can let the loop go on: a request or a store write ending,
   * an abort (each calls {@link wake} or aborts the signal), or `ms` passing.
   */
  private async waitForEvent(ms: number): Promise<void> {
    const woken = new AbortController();
    this.wake = () => woken.abort();
    try {
      await sleep(ms, { signal: AbortSignal.any([woken.signal, this.signal]) }).catch(ignoreAbort);
    } finally {
      this.wake = undefined;
    }
  }

  /** Next chunk a peer may fetch: re-queued ones first, then new ones below, within the buffer bound. */
  private takeChunk(peerId: string): Chunk | undefined {
    const i = this.queue.findIndex((c) => !c.excluded.has(peerId));
    if (i >= 0) return this.queue.splice(i, 1)[0];
    if (this.nextHi < this.from || this.fetched.size + this.inFlight + this.writingChunks >= this.maxBuffered) return undefined;
    const hi = this.nextHi;
    const lo = hi - this.chunkSize + 1n > this.from ? hi - this.chunkSize + 1n : this.from;
    this.nextHi = lo - 1n;
    return { lo, hi, excluded: new Set() };
  }

  private async loop(): Promise<void> {
    const { store } = this.opts;
    const total = this.opts.target.number - this.from + 1n;
    let rateMark = { t: Date.now(), n: store.lowest! };
    while (store.lowest! > this.from) {
      this.checkAborted();
      if (this.storeError) throw new SyncError(`header store: ${this.storeError.message}`, 'store', { cause: this.storeError });
      // Round-robin: every peer gets its first request before any gets a second.
      for (let slot = 1; slot <= this.perPeer; slot++) {
        for (const p of this.usablePeers()) {
          if ((this.busy.get(p.id) ?? 0) >= slot) continue;
          const chunk = this.takeChunk(p.id);
          if (!chunk) continue;
          this.busy.set(p.id, (this.busy.get(p.id) ?? 0) + 1);
          this.inFlight++;
          void this.fetchChunk(p, chunk).finally(() => {
            const n = this.busy.get(p.id)! - 1;
            if (n === 0) this.busy.delete(p.id);
            else this.busy.set(p.id, n);
            this.inFlight--;
            this.wake?.();
          });
        }
      }
      this.connect();
      const now = Date.now();
      if (now - rateMark.t >= PROGRESS_INTERVAL_MS) {
        this.reportProgress(total, Number(rateMark.n - store.lowest!) / ((now - rateMark.t) / 1000));
        rateMark = { t: now, n: store.lowest! };
      }
      if (store.lowest! <= this.from) break;
      if (this.usablePeers().length === 0 && this.busy.size === 0) {
        if (now - this.lastProgressAt > this.stallTimeoutMs) throw new SyncError('no usable peers left', 'no-peers');
      } else if (now - this.lastProgressAt > this.stallTimeoutMs) {
        throw new SyncError(`no progress for ${this.stallTimeoutMs} ms`, 'stalled');
      }
      // Requests and writes in flight wake the loop when they end; only when none are does the
      // peer list need a look before the next progress event or the stall deadline.
      const idle = this.busy.size === 0 && this.writing === undefined;
      const next = Math.min(rateMark.t + PROGRESS_INTERVAL_MS, this.lastProgressAt + this.stallTimeoutMs + 1) - now;
      await this.waitForEvent(Math.max(0, idle ? Math.min(IDLE_PEER_POLL_MS, next) : next));
    }
    // Once more at the end, so a progress display (and the metrics) reach 100 %.
    const secs = (Date.now() - rateMark.t) / 1000;
    this.reportProgress(total, secs > 0 ? Number(rateMark.n - store.lowest!) / secs : 0);
  }

  private async fetchChunk(p: SyncPeer, chunk: Chunk): Promise<void> {
    this.count(this.result.requests, p.id);
    try {
      const headers = await p.getHeaders(chunk.lo, Number(chunk.hi - chunk.lo + 1n), { timeoutMs: this.requestTimeoutMs, signal: this.signal });
      const bad = checkChunk(headers, chunk.lo, chunk.hi);
      if (bad) {
        this.reject(p, chunk, bad);
        return;
      }
      this.failures.set(p.id, 0);
      chunk.headers = headers;
      chunk.servedBy = p.id;
      if (this.trimToLowest(chunk)) this.fetched.set(chunk.hi, chunk);
    } catch (err) {
      if (this.signal.aborted) return;
      this.noteFailure(p, err);
      this.queue.unshift(chunk);
    }
  }

  /**
   * Cuts `chunk` to what lies below the store's lowest header; false if nothing does. The view
   * jumps down when a batch links to headers an earlier sync stored.
   */
  private trimToLowest(chunk: Chunk): boolean {
    const low = this.opts.store.lowest!;
    if (chunk.hi < low) return true;
    if (chunk.lo >= low) return false;
    chunk.headers = chunk.headers?.slice(0, Number(low - chunk.lo));
    chunk.hi = low - 1n;
    return true;
  }

  /** After the view jumped below chunks in hand: drops or trims them, and fetches on from below the view. */
  private skipStored(): void {
    const low = this.opts.store.lowest!;
    if (this.nextHi >= low) this.nextHi = low - 1n;
    for (const c of [...this.fetched.values()]) {
      if (c.hi < low) continue;
      this.fetched.delete(c.hi);
      if (this.trimToLowest(c)) this.fetched.set(c.hi, c);
    }
    for (let i = this.queue.length - 1; i >= 0; i--) if (!this.trimToLowest(this.queue[i]!)) this.queue.splice(i, 1);
  }

  private reject(p: SyncPeer, chunk: Chunk, detail: string): void {
    this.count(this.result.rejected, p.id);
    this.failures.set(p.id, (this.failures.get(p.id) ?? 0) + 1);
    p.penalize('invalid-message', detail);
    this.emit('rejected', p.id, detail);
    chunk.excluded.add(p.id);
    chunk.headers = undefined;
    this.queue.unshift(chunk);
  }

  /**
   * Verifies every fetched chunk that now connects to the verified chain and stores them all in
   * one append (one write and one fsync for the lot), off the event loop; chunks arriving
   * meanwhile wait for the next append.
   */
  private connect(): void {
    const { store } = this.opts;
    if (this.writing) return;
    const batch: Chunk[] = [];
    let low = store.lowestRecord!;
    for (;;) {
      const chunk = this.fetched.get(low.number - 1n);
      if (!chunk) break;
      this.fetched.delete(chunk.hi);
      const top = chunk.headers![chunk.headers!.length - 1]!;
      if (!equalBytes(top.hash, low.parentHash)) {
        const p = this.opts.peers().find((x) => x.id === chunk.servedBy);
        if (p) this.reject(p, chunk, `chunk ${chunk.lo}-${chunk.hi} does not link to the verified header ${low.number}`);
        else {
          chunk.excluded.add(chunk.servedBy!);
          this.queue.unshift(chunk);
        }
        break;
      }
      batch.push(chunk);
      low = chunk.headers![0]!;
    }
    if (batch.length === 0) return;
    // Chunks were collected top-down; the store takes one ascending run.
    const headers = batch.reverse().flatMap((c) => c.headers!);
    const before = store.size;
    this.writingChunks = batch.length;
    this.writing = store.appendAsync(headers).then(
      () => {
        // What the store added: headers an earlier sync stored are not written again.
        this.result.headers += BigInt(store.size - before);
        this.lastProgressAt = Date.now();
        this.skipStored();
      },
      (err: unknown) => {
        this.storeError = err instanceof Error ? err : new Error(String(err));
      },
    ).finally(() => {
      this.writing = undefined;
      this.writingChunks = 0;
      this.wake?.();
    });
  }
}
