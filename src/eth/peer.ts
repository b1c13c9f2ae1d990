/**
 * An eth peer for an embedding client: a Session after a successful Status handshake, with
 * typed requests (request-ID matching, timeouts, abort, a bound on requests in flight),
 * serving of the peer's requests from a {@link ChainReader}, typed events for announcements
 * and BlockRangeUpdate, and the post-merge sending rules.
 *
 *   const session = await dial(target, { privateKey, capabilities: ethCapabilities() });
 *   const peer = await EthPeer.connect(session, { network, chain });
 *   const headers = await peer.getBlockHeaders({ origin: { number: 1n }, amount: 16n });
 *
 * Misbehaviour ends the session with an {@link EthProtocolError} in its CloseInfo, with geth's
 * Disconnect reason: a message that does not decode (ProtocolBreach, geth's errInvalidMsg); one
 * over 10 MiB or with more than 5000 transactions, a code the version lacks, a second Status, an invalid BlockRangeUpdate
 * (earliest > latest or zero hash; a range in the future or already expired is fine), or a
 * response to a request we never sent (SubprotocolError). A late answer to a request of ours
 * that timed out or was aborted is dropped, as geth drops it.
 *
 * Requests are answered at the pace the peer reads: a reply is built only while at most
 * {@link SERVE_BACKLOG_BYTES} are queued for the peer; requests wait (undecoded) meanwhile, and
 * past {@link SERVE_QUEUE_HIGH_WATER} of them the session stops reading the peer. A peer that
 * never reads holds one backlog and one reply, and its session's write deadline ends it.
 */
import { TypedEmitter } from '../common/emitter.js';
import { DisconnectReason } from '../rlpx/disconnect-reason.js';
import type { CloseInfo, SessionMessage } from '../rlpx/session.js';
import type { MessageSession } from '../rlpx/message-session.js';
import type { BlockBody } from '../chain/block.js';
import type { ChainReader, TxSource } from '../chain/chain.js';
import { EthProtocolError, EthRequestError, EthUnsupportedMessageError, type EthRequestFailure } from './errors.js';
import { ethHandshake, isStatus68, type AnyStatus, type EthHandshakeOptions } from './handshake.js';
import type { BlockHeader } from '../chain/header.js';
import { isValidBlockRange, type BlockRangeUpdate } from './messages/block-range-update.js';
import type { BlockOrigin } from './messages/headers.js';
import { decodeEthMessage, encodeEthMessage, peekResponse, type EthMessage } from './messages/index.js';
import type { BlockAnnouncement } from './messages/new-block-hashes.js';
import type { NewBlock } from './messages/new-block.js';
import type { NewPooledTransactionHashes } from './messages/pooled-transactions.js';
import { countTransactions } from './messages/transactions.js';
import { ETH_PROTOCOL_NAME, EthMessageCode, MAX_MESSAGE_SIZE, messageNameForCode, type EthVersion } from './protocol.js';
import type { Receipt68, Receipt69 } from '../chain/receipt.js';
import { serveBlockBodies, serveBlockHeaders, servePooledTransactions, serveReceipts, serveReceipts70, SOFT_RESPONSE_LIMIT } from './serve.js';
import { toReceipt68 } from '../chain/receipt.js';
import { MAX_TRANSACTIONS_PER_MESSAGE, type Transaction } from '../chain/transaction.js';

/** Message codes of responses (matched to a request by ID). */
const RESPONSE_CODES: ReadonlySet<number> = new Set([EthMessageCode.BlockHeaders, EthMessageCode.BlockBodies, EthMessageCode.Receipts, EthMessageCode.PooledTransactions]);
/** Message codes of requests we serve. */
const REQUEST_CODES: ReadonlySet<number> = new Set([EthMessageCode.GetBlockHeaders, EthMessageCode.GetBlockBodies, EthMessageCode.GetReceipts, EthMessageCode.GetPooledTransactions]);
/** Default per-request timeout. geth's downloader adapts its timeout to the peer's measured RTT (2-20 s target, at most 1 min); 10 s is a fixed middle. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Default bound on our requests in flight to one peer; more wait for a slot (their timeout runs while waiting). */
export const DEFAULT_MAX_IN_FLIGHT = 16;
/** geth `blockRangeState.shouldSend`: announce the range again once the head moved this many blocks (or went back). */
export const BLOCK_RANGE_UPDATE_INTERVAL = 32n;
/**
 * How long the ID of a request of ours that timed out or was aborted stays known, counted from
 * when it was sent: a response to it within this is late and dropped; after it, or to an ID
 * never sent, the response is unsolicited and ends the session. geth's request tracker keeps
 * every request this long (`tracker.New(..., 5*time.Minute)` in eth/protocols/eth/peer.go).
 */
export const EXPIRED_ID_LIFETIME_MS = 5 * 60_000;
/** Most expired request IDs remembered per peer (the oldest is forgotten first; geth tracks up to 10000 requests). */
export const EXPIRED_ID_MEMORY = 1024;
/**
 * Serving pauses while more than this many bytes are queued for the peer (not yet taken by the
 * kernel), and resumes as it reads. Twice geth's softResponseLimit: a reply stops growing once
 * past that limit, so what one peer makes us hold is at most this plus one reply.
 */
export const SERVE_BACKLOG_BYTES = 2 * SOFT_RESPONSE_LIMIT;
/**
 * Requests waiting to be served (while serving is paused) past which the session stops reading
 * the peer, by count or by their bytes. Well above the requests an honest peer keeps in flight
 * (ours: {@link DEFAULT_MAX_IN_FLIGHT}), so reading, and with it the answers to our own
 * requests, never stalls on an honest peer's queue.
 */
export const SERVE_QUEUE_HIGH_WATER = 64;
export const SERVE_QUEUE_HIGH_WATER_BYTES = 1024 * 1024;
/** Our name for the hold on the session's reading while requests pile up. */
const SERVE_READ_HOLD = 'eth-serve';

export interface EthPeerOptions {
  network: EthHandshakeOptions['network'];
  /** Our chain: the Status is built from its head and earliest block, and requests are served from it. */
  chain: ChainReader;
  /** Transactions to serve for GetPooledTransactions (none if absent: empty responses). */
  txSource?: TxSource;
  /** eth/68 Status total difficulty (default 0, as post-merge geth). */
  td?: bigint;
  forkFilter?: EthHandshakeOptions['forkFilter'];
  /** Status exchange limit (default 5 s). */
  handshakeTimeoutMs?: number;
  /** Aborts the handshake. */
  signal?: AbortSignal;
  /** Default per-request timeout, {@link DEFAULT_REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
  /** {@link DEFAULT_MAX_IN_FLIGHT}. */
  maxInFlight?: number;
  /** Soft size limit of our responses (default geth's 2 MiB). */
  softResponseLimit?: number;
  /** {@link SERVE_BACKLOG_BYTES}. */
  serveBacklogBytes?: number;
}

/** Per-request options. */
export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A header query. */
export interface HeadersRequest {
  origin: BlockOrigin;
  amount: bigint;
  /** Default 0. */
  skip?: bigint;
  /** Default false. */
  reverse?: boolean;
}

/** Receipts in the form of the peer's version. */
export type ReceiptsResponse =
  | { version: 68; receipts: Receipt68[][] }
  | { version: 69 | 70; receipts: Receipt69[][]; /** eth/70: the last block's list was cut short (always false on eth/69). */ lastBlockIncomplete: boolean };

export interface EthPeerEvents {
  /** eth/68 only. */
  newBlockHashes: (announcements: BlockAnnouncement[]) => void;
  /** eth/68 only. */
  newBlock: (block: NewBlock) => void;
  transactions: (txs: Transaction[]) => void;
  newPooledTransactionHashes: (announcement: NewPooledTransactionHashes) => void;
  /** eth/69+: a valid BlockRangeUpdate (also reflected in `remoteRange`). */
  blockRangeUpdate: (range: BlockRangeUpdate) => void;
  /** The session ended (emitted once). */
  close: (info: CloseInfo) => void;
  /**
   * A request of ours that was sent has ended: answered (`ok`) or failed (the failure reason),
   * `ms` after it was sent. For latency metrics.
   */
  request: (name: string, outcome: 'ok' | EthRequestFailure, ms: number) => void;
}

export interface EthPeerStats {
  /** Requests sent. */
  requests: number;
  /** Responses matched to a request. */
  responses: number;
  timeouts: number;
  aborts: number;
  /** Responses matching no request in flight (includes `late`). */
  unsolicited: number;
  /** Responses to a request of ours that had timed out or been aborted (dropped). */
  late: number;
  /** Requests from the peer we answered. */
  served: number;
  /** Requests that had to wait because serving was paused (the peer was not reading). */
  servePaused: number;
}

interface Pending {
  id: bigint;
  name: string;
  want: number;
  /** When it was sent (ms since epoch). */
  sentAt: number;
  /** Most items (headers, bodies, receipt lists, transactions) a valid response can hold. */
  maxItems: number;
  deliver(value: unknown): void;
  /** Fails the request with an invalid response, without decoding it. */
  refuse(message: string): void;
}

/** A connected eth peer. Create with {@link EthPeer.connect}. */
export class EthPeer extends TypedEmitter<EthPeerEvents> {
  readonly stats: EthPeerStats = { requests: 0, responses: 0, timeouts: 0, aborts: 0, unsolicited: 0, late: 0, served: 0, servePaused: 0 };
  /** The peer's served range (eth/69+): from its Status, then its BlockRangeUpdates. */
  remoteRange?: BlockRangeUpdate;
  /** How the session ended, once closed. */
  closeInfo?: CloseInfo;

  private readonly pending = new Map<bigint, Pending>();
  private readonly waiting: (() => void)[] = [];
  /** Timed-out or aborted requests by ID, oldest first: their late answers are dropped. */
  private readonly expired = new Map<bigint, { want: number; sentAt: number }>();
  private lastRangeSent?: BlockRangeUpdate;
  private readonly requestTimeoutMs: number;
  private readonly maxInFlight: number;
  private readonly serveBacklogBytes: number;
  /** Requests waiting for serving to resume, in arrival order; decoded when served. */
  private serveQueue: SessionMessage[] = [];
  private serveQueueBytes = 0;
  /** A later turn is set to serve the queue (after a drain, or after yielding). */
  private serveScheduled = false;
  private readingHeld = false;
  private readonly onSessionMessage = (m: SessionMessage) => this.onMessage(m);
  private readonly onSessionClose = (info: CloseInfo) => this.onClose(info);

  /** Runs the Status handshake on `session` and wraps it; rejects with EthHandshakeError. */
  static async connect(session: MessageSession, opts: EthPeerOptions): Promise<EthPeer> {
    const head = opts.chain.head();
    const hs = await ethHandshake(session, {
      network: opts.network,
      head: { number: head.number, hash: head.hash, time: head.time },
      earliestBlock: opts.chain.earliest(),
      ...(opts.td === undefined ? {} : { td: opts.td }),
      ...(opts.forkFilter === undefined ? {} : { forkFilter: opts.forkFilter }),
      ...(opts.handshakeTimeoutMs === undefined ? {} : { timeoutMs: opts.handshakeTimeoutMs }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
    return new EthPeer(session, hs.version, hs.local, hs.remote, opts);
  }

  private constructor(
    readonly session: MessageSession,
    /** The negotiated eth version. */
    readonly version: EthVersion,
    /** The Status we sent. */
    readonly localStatus: AnyStatus,
    /** The Status the peer sent. */
    readonly remoteStatus: AnyStatus,
    private readonly opts: EthPeerOptions,
  ) {
    super();
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.maxInFlight = opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.serveBacklogBytes = opts.serveBacklogBytes ?? SERVE_BACKLOG_BYTES;
    if (!isStatus68(remoteStatus)) {
      this.remoteRange = { earliestBlock: remoteStatus.earliestBlock, latestBlock: remoteStatus.latestBlock, latestBlockHash: remoteStatus.latestBlockHash };
    }
    if (!isStatus68(localStatus)) {
      this.lastRangeSent = { earliestBlock: localStatus.earliestBlock, latestBlock: localStatus.latestBlock, latestBlockHash: localStatus.latestBlockHash };
    }
    session.on('close', this.onSessionClose);
    if (session.closeInfo) {
      // Closed between the handshake and now: report it once, after the caller could attach.
      // A macrotask, not a microtask: the caller's continuation (however many awaits deep) runs
      // on the microtask queue after this constructor, and must see the 'close'.
      const info = session.closeInfo;
      setImmediate(() => this.onClose(info));
    } else {
      session.on('message', this.onSessionMessage);
    }
  }

  /** Requests in flight (sent, not yet answered). */
  get inFlight(): number {
    return this.pending.size;
  }

  /** True once the session has ended. */
  get closed(): boolean {
    return this.closeInfo !== undefined;
  }

  /** Ends the session. */
  disconnect(reason: DisconnectReason = DisconnectReason.Requested, error?: Error): Promise<void> {
    return this.session.disconnect(reason, error);
  }

  // ---- requests ---------------------------------------------------------------------------

  /** GetBlockHeaders; resolves with at most `amount` headers (fewer, or none, if the peer lacks them). */
  getBlockHeaders(req: HeadersRequest, opts: RequestOptions = {}): Promise<BlockHeader[]> {
    const q = { origin: req.origin, amount: req.amount, skip: req.skip ?? 0n, reverse: req.reverse ?? false };
    const maxItems = q.amount > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(q.amount);
    return this.request<BlockHeader[]>('GetBlockHeaders', EthMessageCode.BlockHeaders, maxItems, (requestId) => ({ name: 'GetBlockHeaders', value: { requestId, ...q } }), opts, (m) => {
      if (m.name !== 'BlockHeaders') return undefined;
      return m.value.headers;
    });
  }

  /** GetBlockBodies; bodies come in request order, unknown blocks left out. */
  getBlockBodies(hashes: readonly Uint8Array[], opts: RequestOptions = {}): Promise<BlockBody[]> {
    return this.request<BlockBody[]>('GetBlockBodies', EthMessageCode.BlockBodies, hashes.length, (requestId) => ({ name: 'GetBlockBodies', value: { requestId, hashes: [...hashes] } }), opts, (m) => {
      if (m.name !== 'BlockBodies') return undefined;
      return m.value.bodies;
    });
  }

  /**
   * GetReceipts in the form of the peer's version. On eth/70, `firstBlockReceiptIndex` skips
   * receipts of the first block already received (to continue after `lastBlockIncomplete`).
   */
  getReceipts(hashes: readonly Uint8Array[], opts: RequestOptions & { firstBlockReceiptIndex?: bigint } = {}): Promise<ReceiptsResponse> {
    const first = opts.firstBlockReceiptIndex ?? 0n;
    if (first !== 0n && this.version < 70) return Promise.reject(new EthUnsupportedMessageError('GetReceipts with firstBlockReceiptIndex', this.version));
    return this.request<ReceiptsResponse>(
      'GetReceipts',
      EthMessageCode.Receipts,
      hashes.length,
      (requestId) => (this.version === 70 ? { name: 'GetReceipts', value: { requestId, firstBlockReceiptIndex: first, hashes: [...hashes] } } : { name: 'GetReceipts', value: { requestId, hashes: [...hashes] } }) as AnyEthMessage,
      opts,
      (m) => {
        if (m.name !== 'Receipts') return undefined;
        const v = m.value as { receipts: unknown[][]; lastBlockIncomplete?: boolean };
        if (this.version === 68) return { version: 68, receipts: v.receipts as Receipt68[][] };
        // An incomplete response must move the caller forward by at least one receipt, or a peer
        // could keep its continuation loop going forever (geth #35593).
        if (v.lastBlockIncomplete === true && v.receipts.every((l) => l.length === 0)) return bad('lastBlockIncomplete without any receipt');
        return { version: this.version, receipts: v.receipts as Receipt69[][], lastBlockIncomplete: v.lastBlockIncomplete ?? false };
      },
    );
  }

  /** GetPooledTransactions; the peer returns those it has, in request order. */
  getPooledTransactions(hashes: readonly Uint8Array[], opts: RequestOptions = {}): Promise<Transaction[]> {
    return this.request<Transaction[]>('GetPooledTransactions', EthMessageCode.PooledTransactions, hashes.length, (requestId) => ({ name: 'GetPooledTransactions', value: { requestId, hashes: [...hashes] } }), opts, (m) => {
      if (m.name !== 'PooledTransactions') return undefined;
      return m.value.transactions;
    });
  }

  /**
   * Sends a request and waits for its response. A response with more than `maxItems` items is
   * refused before decoding (in onMessage). `accept` maps the decoded response to the result,
   * returns an InvalidResponse for a response that breaks another of the request's rules, or
   * undefined for a message of the wrong type (which leaves the request pending).
   */
  private request<T>(
    name: string,
    want: number,
    maxItems: number,
    build: (requestId: bigint) => AnyEthMessage,
    opts: RequestOptions,
    accept: (m: AnyEthMessage) => T | InvalidResponse | undefined,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) return reject(new EthRequestError('disconnected', name, 'peer is disconnected'));
      const signal = opts.signal;
      if (signal?.aborted) return reject(new EthRequestError('aborted', name, 'aborted before sending', { cause: signal.reason }));
      const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
      let entry: Pending | undefined;
      let settled = false;
      let sentAt: number | undefined;

      const settle = (err: Error | undefined, value?: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.failers.delete(fail);
        const queued = this.waiting.indexOf(start);
        if (queued >= 0) this.waiting.splice(queued, 1);
        if (sentAt !== undefined) this.emit('request', name, err instanceof EthRequestError ? err.reason : 'ok', performance.now() - sentAt);
        if (entry !== undefined) {
          this.pending.delete(entry.id);
          if (err instanceof EthRequestError && (err.reason === 'timeout' || err.reason === 'aborted')) this.rememberExpired(entry);
          this.startWaiting();
        }
        if (err) reject(err);
        else resolve(value as T);
      };
      const fail = (reason: EthRequestFailure, message: string, cause?: unknown) => settle(new EthRequestError(reason, name, message, cause === undefined ? undefined : { cause }));
      const start = () => {
        if (settled) return;
        const id = this.newRequestId();
        entry = {
          id,
          name,
          want,
          sentAt: Date.now(),
          maxItems,
          deliver: (m) => {
            const r = accept(m as AnyEthMessage);
            if (r instanceof InvalidResponse) fail('invalid-response', r.message);
            else settle(undefined, r as T);
          },
          refuse: (message) => fail('invalid-response', message),
        };
        this.pending.set(id, entry);
        let encoded: { code: number; data: Uint8Array };
        try {
          encoded = encodeEthMessage(this.version, build(id) as EthMessage);
        } catch (err) {
          // A malformed request (e.g. a hash of the wrong size) is the caller's error, thrown as is.
          settle(err as Error);
          return;
        }
        try {
          this.session.send(ETH_PROTOCOL_NAME, encoded.code, encoded.data);
          this.stats.requests++;
          sentAt = performance.now();
        } catch (err) {
          fail('disconnected', `send failed: ${(err as Error).message}`, err);
        }
      };
      const onAbort = () => {
        this.stats.aborts++;
        fail('aborted', 'aborted by caller', signal?.reason);
      };
      const timer = setTimeout(() => {
        this.stats.timeouts++;
        fail('timeout', `no response within ${timeoutMs} ms${entry === undefined ? ' (still waiting for an in-flight slot)' : ''}`);
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.failers.add(fail);
      if (this.pending.size < this.maxInFlight) start();
      else this.waiting.push(start);
    });
  }

  /** The fail functions of every unsettled request, so a closing session rejects them all. */
  private readonly failers = new Set<(reason: EthRequestFailure, message: string, cause?: unknown) => void>();

  private startWaiting(): void {
    while (this.pending.size < this.maxInFlight && this.waiting.length > 0) this.waiting.shift()!();
  }

  private newRequestId(): bigint {
    const buf = new BigUint64Array(1);
    for (;;) {
      crypto.getRandomValues(buf);
      const id = buf[0]!;
      if (!this.pending.has(id)) return id;
    }
  }

  private rememberExpired(p: Pending): void {
    this.expired.set(p.id, { want: p.want, sentAt: p.sentAt });
    if (this.expired.size > EXPIRED_ID_MEMORY) this.expired.delete(this.expired.keys().next().value!);
  }

  /** The expired request `id`, forgotten as it is taken (one late answer each); undefined if unknown or too old. */
  private takeExpired(id: bigint): { want: number; sentAt: number } | undefined {
    const e = this.expired.get(id);
    if (e === undefined) return undefined;
    this.expired.delete(id);
    return Date.now() - e.sentAt <= EXPIRED_ID_LIFETIME_MS ? e : undefined;
  }

  // ---- sending ----------------------------------------------------------------------------

  private sendMessage(message: AnyEthMessage): void {
    const { code, data } = encodeEthMessage(this.version, message as EthMessage);
    this.session.send(ETH_PROTOCOL_NAME, code, data);
  }

  /** Sends full transactions (Transactions). */
  sendTransactions(txs: readonly Transaction[]): void {
    // geth drops a peer that sends more than maxTransactionAnnouncements in one message.
    for (let i = 0; i < txs.length; i += MAX_TRANSACTIONS_PER_MESSAGE) {
      this.sendMessage({ name: 'Transactions', value: txs.slice(i, i + MAX_TRANSACTIONS_PER_MESSAGE) });
    }
  }

  /** Announces transactions by type, size and hash (NewPooledTransactionHashes). */
  announceTransactions(announcement: NewPooledTransactionHashes): void {
    this.sendMessage({ name: 'NewPooledTransactionHashes', value: announcement });
  }

  /** eth/68 only; throws {@link EthUnsupportedMessageError} on eth/69+ (announcements ended at the merge). */
  sendNewBlockHashes(announcements: readonly BlockAnnouncement[]): void {
    if (this.version !== 68) throw new EthUnsupportedMessageError('NewBlockHashes', this.version);
    this.sendMessage({ name: 'NewBlockHashes', value: [...announcements] } as AnyEthMessage);
  }

  /** eth/68 only; throws {@link EthUnsupportedMessageError} on eth/69+. */
  sendNewBlock(block: NewBlock): void {
    if (this.version !== 68) throw new EthUnsupportedMessageError('NewBlock', this.version);
    this.sendMessage({ name: 'NewBlock', value: block } as AnyEthMessage);
  }

  /**
   * eth/69+: sends a BlockRangeUpdate now. Throws {@link EthUnsupportedMessageError} on eth/68
   * and RangeError for an invalid range (the peer would disconnect us).
   */
  sendBlockRangeUpdate(range: BlockRangeUpdate): void {
    if (this.version === 68) throw new EthUnsupportedMessageError('BlockRangeUpdate', this.version);
    if (!isValidBlockRange(range)) throw new RangeError(`invalid block range ${range.earliestBlock}..${range.latestBlock}`);
    this.sendMessage({ name: 'BlockRangeUpdate', value: range } as AnyEthMessage);
    this.lastRangeSent = { ...range };
  }

  /**
   * Tells the peer our head moved, as geth does: on eth/69+ a BlockRangeUpdate goes out when the
   * head is at least {@link BLOCK_RANGE_UPDATE_INTERVAL} blocks past the last range sent (or
   * went back); otherwise nothing is sent. Defaults to the chain's current head and earliest
   * block. Returns true if a message was sent (always false on eth/68, which has no range).
   */
  announceHead(head: Pick<BlockHeader, 'number' | 'hash'> = this.opts.chain.head(), earliest: bigint = this.opts.chain.earliest()): boolean {
    if (this.version === 68 || this.closed) return false;
    const prev = this.lastRangeSent;
    const moved = prev === undefined || head.number < prev.latestBlock || head.number - prev.latestBlock >= BLOCK_RANGE_UPDATE_INTERVAL;
    if (!moved) return false;
    this.sendBlockRangeUpdate({ earliestBlock: earliest < head.number ? earliest : head.number, latestBlock: head.number, latestBlockHash: head.hash });
    return true;
  }

  // ---- inbound ----------------------------------------------------------------------------

  private onMessage(msg: SessionMessage): void {
    if (msg.capability.name !== ETH_PROTOCOL_NAME || this.closed) return;
    // geth's order and reasons (eth/protocols/eth/handler.go handleMessage): the size, then the
    // code, both SubprotocolError; a body that does not decode is ProtocolBreach (errInvalidMsg).
    if (msg.data.length > MAX_MESSAGE_SIZE) {
      this.breach(new EthProtocolError('too-large', `message 0x${msg.code.toString(16)} of ${msg.data.length} bytes exceeds ${MAX_MESSAGE_SIZE}`), DisconnectReason.SubprotocolError);
      return;
    }
    if (messageNameForCode(this.version, msg.code) === undefined) {
      this.breach(new EthProtocolError('unknown-code', `eth/${this.version} has no message 0x${msg.code.toString(16)}`), DisconnectReason.SubprotocolError);
      return;
    }
    if (msg.code === EthMessageCode.Status) {
      // geth has no handler for Status after the handshake: an invalid code, not decoded.
      this.breach(new EthProtocolError('unexpected-status', 'Status after the handshake'), DisconnectReason.SubprotocolError);
      return;
    }
    if (msg.code === EthMessageCode.Transactions && (countTransactions(msg.data) ?? 0) > MAX_TRANSACTIONS_PER_MESSAGE) {
      // geth decodes them, then refuses "too many transactions" as a subprotocol error.
      this.breach(new EthProtocolError('too-large', `more than ${MAX_TRANSACTIONS_PER_MESSAGE} transactions in one message`), DisconnectReason.SubprotocolError);
      return;
    }
    if (REQUEST_CODES.has(msg.code)) {
      this.onRequest(msg);
      return;
    }
    if (RESPONSE_CODES.has(msg.code) && !this.admitResponse(msg)) return;
    const m = this.decode(msg);
    if (m === undefined) return;
    switch (m.name) {
      case 'BlockHeaders':
      case 'BlockBodies':
      case 'Receipts':
      case 'PooledTransactions':
        this.onResponse(msg.code, (m.value as { requestId: bigint }).requestId, m);
        return;
      case 'BlockRangeUpdate': {
        const r = m.value as BlockRangeUpdate;
        if (!isValidBlockRange(r)) {
          this.breach(new EthProtocolError('block-range', `BlockRangeUpdate ${r.earliestBlock}..${r.latestBlock} is invalid`), DisconnectReason.SubprotocolError);
          return;
        }
        this.remoteRange = r;
        this.emit('blockRangeUpdate', r);
        return;
      }
      case 'NewBlockHashes':
        this.emit('newBlockHashes', m.value as BlockAnnouncement[]);
        return;
      case 'NewBlock':
        this.emit('newBlock', m.value as NewBlock);
        return;
      case 'Transactions':
        this.emit('transactions', m.value as Transaction[]);
        return;
      case 'NewPooledTransactionHashes':
        this.emit('newPooledTransactionHashes', m.value as NewPooledTransactionHashes);
        return;
    }
  }

  /** Decodes a message; one that does not decode ends the session (ProtocolBreach, as geth's errInvalidMsg). */
  private decode(msg: SessionMessage): AnyEthMessage | undefined {
    try {
      return decodeEthMessage(this.version, msg.code, msg.data) as AnyEthMessage;
    } catch (err) {
      this.breach(new EthProtocolError('decode', (err as Error).message, { cause: err }), DisconnectReason.ProtocolBreach);
      return undefined;
    }
  }

  /**
   * Checks a response against our requests from its request ID and item count alone, before
   * decoding its items (a peer must not make us build 10 MiB worth of objects for an answer
   * nobody asked for). True if it answers a request in flight and should be decoded.
   */
  private admitResponse(msg: SessionMessage): boolean {
    let summary: { requestId: bigint; items: number };
    try {
      summary = peekResponse(this.version, msg.code, msg.data);
    } catch (err) {
      this.breach(new EthProtocolError('decode', (err as Error).message, { cause: err }), DisconnectReason.ProtocolBreach);
      return false;
    }
    const p = this.pending.get(summary.requestId);
    if (p === undefined || p.want !== msg.code) {
      this.onUnsolicited(summary.requestId, msg.code, p);
      return false;
    }
    // More items than were asked for (geth checks this before decoding too): the request
    // fails as it would after decoding, without building up to 10 MiB worth of objects.
    if (summary.items > p.maxItems) {
      this.stats.responses++;
      p.refuse(`${summary.items} items for ${p.maxItems} asked (${p.name})`);
      return false;
    }
    return true;
  }

  private onResponse(code: number, requestId: bigint, m: AnyEthMessage): void {
    const p = this.pending.get(requestId);
    if (p !== undefined && p.want === code) {
      this.stats.responses++;
      p.deliver(m);
    }
  }

  /**
   * A response that answers no request in flight. As geth: a late answer to a request of ours
   * that timed out or was aborted (sent at most {@link EXPIRED_ID_LIFETIME_MS} ago) is dropped;
   * any other (an ID we never sent, or the wrong message type for the ID) ends the session with
   * SubprotocolError at once.
   */
  private onUnsolicited(requestId: bigint, code: number, inFlight: Pending | undefined): void {
    this.stats.unsolicited++;
    const name = messageNameForCode(this.version, code);
    if (inFlight !== undefined) {
      this.breach(new EthProtocolError('unsolicited', `${name} answering request ${requestId}, a ${inFlight.name}`), DisconnectReason.SubprotocolError);
      return;
    }
    const expired = this.takeExpired(requestId);
    if (expired !== undefined && expired.want === code) {
      this.stats.late++;
      return;
    }
    const why = expired === undefined ? 'which we never sent (or sent too long ago)' : 'which wanted another response type';
    this.breach(new EthProtocolError('unsolicited', `${name} answering request ${requestId}, ${why}`), DisconnectReason.SubprotocolError);
  }

  // ---- serving ----------------------------------------------------------------------------

  /**
   * A request from the peer: answered at once when nothing is waiting and the peer is reading
   * what we send, else queued until it is (see {@link SERVE_BACKLOG_BYTES}).
   */
  private onRequest(msg: SessionMessage): void {
    if (this.serveQueue.length === 0 && !this.serveScheduled && this.session.writableLength <= this.serveBacklogBytes) {
      this.serveRequest(msg);
      return;
    }
    this.stats.servePaused++;
    this.serveQueue.push(msg);
    this.serveQueueBytes += msg.data.length;
    this.holdReadingIfFull();
    this.scheduleServe();
  }

  /** Serves the queue on a later turn: once the peer's backlog is down to the bound, else on the next turn. */
  private scheduleServe(): void {
    if (this.serveScheduled || this.closed || this.serveQueue.length === 0) return;
    this.serveScheduled = true;
    const next = () => {
      this.serveScheduled = false;
      this.serveQueued();
    };
    // A drain that times out (the peer reads, slowly) just checks again; the session's write
    // deadline ends a peer that stops reading, and then `drained` rejects and we stop.
    if (this.session.writableLength > this.serveBacklogBytes) this.session.drained({ lowWater: this.serveBacklogBytes }).then(next, next);
    else setImmediate(next);
  }

  /** Serves one queued request per turn (other peers' work runs between), while the backlog allows. */
  private serveQueued(): void {
    if (this.closed) return;
    if (this.serveQueue.length > 0 && this.session.writableLength <= this.serveBacklogBytes) {
      const m = this.serveQueue.shift()!;
      this.serveQueueBytes -= m.data.length;
      this.holdReadingIfFull();
      this.serveRequest(m);
    }
    this.scheduleServe();
  }

  /** Holds the session's reading while the queue is at its high-water mark, releases it below. */
  private holdReadingIfFull(): void {
    const full = this.serveQueue.length >= SERVE_QUEUE_HIGH_WATER || this.serveQueueBytes >= SERVE_QUEUE_HIGH_WATER_BYTES;
    if (full === this.readingHeld || this.closed) return;
    this.readingHeld = full;
    if (full) this.session.pauseReading(SERVE_READ_HOLD);
    else this.session.resumeReading(SERVE_READ_HOLD);
  }

  /** Decodes a request and answers it. */
  private serveRequest(msg: SessionMessage): void {
    const m = this.decode(msg);
    if (m !== undefined) this.serve(m);
  }

  /** Answers a request from the chain, echoing its request ID (whatever it is, 0 and repeats included). */
  private serve(m: AnyEthMessage): void {
    const limits = this.opts.softResponseLimit === undefined ? {} : { softResponseLimit: this.opts.softResponseLimit };
    const chain = this.opts.chain;
    let reply: AnyEthMessage;
    switch (m.name) {
      case 'GetBlockHeaders': {
        const q = m.value;
        reply = { name: 'BlockHeaders', value: { requestId: q.requestId, headers: serveBlockHeaders(chain, q, limits) } };
        break;
      }
      case 'GetBlockBodies':
        reply = { name: 'BlockBodies', value: { requestId: m.value.requestId, bodies: serveBlockBodies(chain, m.value.hashes, limits) } };
        break;
      case 'GetReceipts': {
        const q = m.value as { requestId: bigint; hashes: Uint8Array[]; firstBlockReceiptIndex?: bigint };
        if (this.version === 70) {
          const r = serveReceipts70(chain, q.hashes, q.firstBlockReceiptIndex ?? 0n, limits);
          reply = { name: 'Receipts', value: { requestId: q.requestId, receipts: r.receipts, lastBlockIncomplete: r.lastBlockIncomplete } } as AnyEthMessage;
        } else {
          const r = serveReceipts(chain, q.hashes, limits);
          reply = { name: 'Receipts', value: { requestId: q.requestId, receipts: this.version === 68 ? r.map((b) => b.map(toReceipt68)) : r } } as AnyEthMessage;
        }
        break;
      }
      case 'GetPooledTransactions':
        reply = { name: 'PooledTransactions', value: { requestId: m.value.requestId, transactions: servePooledTransactions(this.opts.txSource, m.value.hashes, limits) } };
        break;
      default:
        return;
    }
    try {
      this.sendMessage(reply);
      this.stats.served++;
    } catch {
      // The session is closing (or its write buffer is full, which closes it); nothing to answer.
    }
  }

  private breach(err: EthProtocolError, reason: DisconnectReason): void {
    void this.session.disconnect(reason, err);
  }

  private onClose(info: CloseInfo): void {
    if (this.closeInfo !== undefined) return;
    this.closeInfo = info;
    this.session.off('message', this.onSessionMessage);
    this.session.off('close', this.onSessionClose);
    this.serveQueue = [];
    this.serveQueueBytes = 0;
    for (const fail of [...this.failers]) fail('disconnected', `session closed (reason 0x${info.reason.toString(16)})`, info.error);
    this.failers.clear();
    this.emit('close', info);
  }
}

/** A message of any supported version. */
type AnyEthMessage = EthMessage<68> | EthMessage<69> | EthMessage<70>;

/** A response that breaks its request's bounds. */
class InvalidResponse {
  constructor(readonly message: string) {}
}

function bad(message: string): InvalidResponse {
  return new InvalidResponse(message);
}
