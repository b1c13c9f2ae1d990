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
 * The class is the glue: requests are tracked in `request-tracker.ts`, answered through
 * `serve.ts` at the pace the peer reads (`serve-queue.ts`), announcements follow
 * `announcements.ts`.
 *
 * Over 400 lines on purpose: the public EthPeer surface (options, events, four typed
 * requests, announcements) and its TSDoc; tracking, serving, pacing and the message rules are
 * in their own files.
 */
import { TypedEmitter } from '../common/emitter.js';
import { DisconnectReason } from '../rlpx/disconnect-reason.js';
import type { CloseInfo, SessionMessage } from '../rlpx/session.js';
import type { MessageSession } from '../rlpx/message-session.js';
import type { BlockBody } from '../chain/block.js';
import type { ChainReader, TxSource } from '../chain/chain.js';
import type { BlockHeader } from '../chain/header.js';
import type { Receipt68, Receipt69 } from '../chain/receipt.js';
import type { Transaction } from '../chain/transaction.js';
import { checkBlockAnnouncement, checkBlockRangeUpdate, nextBlockRange, transactionBatches } from './announcements.js';
import { EthProtocolError, EthUnsupportedMessageError, type EthRequestFailure } from './errors.js';
import { ethHandshake, isStatus68, type AnyStatus, type EthHandshakeOptions } from './handshake.js';
import { isValidBlockRange, type BlockRangeUpdate } from './messages/block-range-update.js';
import { decodeBlockHeaderRecords, type BlockHeaderRecords, type BlockOrigin } from './messages/headers.js';
import type { HeaderRecord } from '../chain/header-record.js';
import { topLevelValue } from './messages/top-level.js';
import { decodeEthMessage, encodeEthMessage, peekResponse, type AnyEthMessage, type EthMessage } from './messages/index.js';
import type { BlockAnnouncement } from './messages/new-block-hashes.js';
import type { NewBlock } from './messages/new-block.js';
import type { NewPooledTransactionHashes } from './messages/pooled-transactions.js';
import { inboundViolation } from './inbound-rules.js';
import { ETH_PROTOCOL_NAME, EthMessageCode, hasPaginatedReceipts, type EthVersion } from './protocol.js';
import { InvalidResponse, RequestTracker, type RequestOptions, type RequestStats, type TrackedRequest } from './request-tracker.js';
import { answerRequest, type BlobSource } from './serve.js';
import type { BlockAccessLists } from './messages/access-lists.js';
import type { Cells } from './messages/cells.js';
import { CUSTODY_BITMAP_LENGTH } from './messages/pooled-transactions.js';
import { ServeQueue } from './serve-queue.js';

/** Message codes of responses (matched to a request by ID). */
const RESPONSE_CODES: ReadonlySet<number> = new Set([
  EthMessageCode.BlockHeaders,
  EthMessageCode.BlockBodies,
  EthMessageCode.Receipts,
  EthMessageCode.PooledTransactions,
  EthMessageCode.BlockAccessLists,
  EthMessageCode.Cells,
]);
/** Message codes of requests we serve. */
const REQUEST_CODES: ReadonlySet<number> = new Set([
  EthMessageCode.GetBlockHeaders,
  EthMessageCode.GetBlockBodies,
  EthMessageCode.GetReceipts,
  EthMessageCode.GetPooledTransactions,
  EthMessageCode.GetBlockAccessLists,
  EthMessageCode.GetCells,
]);

export interface EthPeerOptions {
  network: EthHandshakeOptions['network'];
  /** Our chain: the Status is built from its head and earliest block, and requests are served from it. */
  chain: ChainReader;
  /** Transactions to serve for GetPooledTransactions (none if absent: empty responses). */
  txSource?: TxSource;
  /** eth/72: blob cells to serve for GetCells (none if absent: empty responses, as geth with none). */
  blobSource?: BlobSource;
  /** eth/68 Status total difficulty (default 0, as post-merge geth). */
  td?: bigint;
  forkFilter?: EthHandshakeOptions['forkFilter'];
  /** Status exchange limit (default 5 s). */
  handshakeTimeoutMs?: number;
  /** Aborts the handshake. */
  signal?: AbortSignal;
  /** Default per-request timeout, `DEFAULT_REQUEST_TIMEOUT_MS`. */
  requestTimeoutMs?: number;
  /** `DEFAULT_MAX_IN_FLIGHT`. */
  maxInFlight?: number;
  /** Soft size limit of our responses (default geth's 2 MiB). */
  softResponseLimit?: number;
  /** `SERVE_BACKLOG_BYTES`. */
  serveBacklogBytes?: number;
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

/** The parts of a GetBlockHeaders request both header readers share (what to send, what answers it, how many). */
function headersQuery(req: HeadersRequest): Pick<TrackedRequest<unknown>, 'name' | 'want' | 'maxItems' | 'build'> {
  const q = { origin: req.origin, amount: req.amount, skip: req.skip ?? 0n, reverse: req.reverse ?? false };
  return {
    name: 'GetBlockHeaders',
    want: EthMessageCode.BlockHeaders,
    maxItems: q.amount > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(q.amount),
    build: (requestId) => ({ name: 'GetBlockHeaders', value: { requestId, ...q } }),
  };
}

/** Receipts in the form of the peer's version. */
export type ReceiptsResponse =
  | { version: 68; receipts: Receipt68[][] }
  | { version: 69 | 70 | 71 | 72; receipts: Receipt69[][]; /** eth/70+: the last block's list was cut short (always false on eth/69). */ lastBlockIncomplete: boolean };

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

export interface EthPeerStats extends RequestStats {
  /** Requests from the peer we answered. */
  served: number;
  /** Requests that had to wait because serving was paused (the peer was not reading). */
  servePaused: number;
}

/** A connected eth peer. Create with {@link EthPeer.connect}. */
export class EthPeer extends TypedEmitter<EthPeerEvents> {
  readonly stats: EthPeerStats = { requests: 0, responses: 0, timeouts: 0, aborts: 0, unsolicited: 0, late: 0, served: 0, servePaused: 0 };
  /** The peer's served range (eth/69+): from its Status, then its BlockRangeUpdates. */
  remoteRange?: BlockRangeUpdate;
  /** How the session ended, once closed. */
  closeInfo?: CloseInfo;

  private lastRangeSent?: BlockRangeUpdate;
  private readonly tracker: RequestTracker;
  private readonly serveQueue: ServeQueue;
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
    const peer = this;
    this.tracker = new RequestTracker(
      {
        version,
        get closed() {
          return peer.closed;
        },
        stats: this.stats,
        encode: (message) => encodeEthMessage(version, message as EthMessage),
        sendEncoded: (code, data) => session.send(ETH_PROTOCOL_NAME, code, data),
        ended: (name, outcome, ms) => this.emit('request', name, outcome, ms),
        breach: (err, reason) => this.breach(err, reason),
      },
      opts.requestTimeoutMs,
      opts.maxInFlight,
    );
    this.serveQueue = new ServeQueue(session, (msg) => this.serveRequest(msg), () => this.stats.servePaused++, opts.serveBacklogBytes);
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
    return this.tracker.inFlight;
  }

  /** The peer's requests waiting to be served (serving paused while it does not read). */
  get serveQueueLength(): number {
    return this.serveQueue.length;
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
    return this.request<BlockHeader[]>({ ...headersQuery(req), accept: (m) => (m.name === 'BlockHeaders' ? m.value.headers : undefined) }, opts);
  }

  /**
   * {@link getBlockHeaders} answered as header records (bytes, hash, number, parent hash):
   * every header is checked as fully, but its other fields are not built. For bulk header
   * download (header sync), where that building was most of the cost.
   */
  getBlockHeaderRecords(req: HeadersRequest, opts: RequestOptions = {}): Promise<HeaderRecord[]> {
    return this.request<HeaderRecord[], BlockHeaderRecords>({ ...headersQuery(req), decode: decodeBlockHeaderRecords, accept: (m) => m.headers }, opts);
  }

  /** GetBlockBodies; bodies come in request order, unknown blocks left out. */
  getBlockBodies(hashes: readonly Uint8Array[], opts: RequestOptions = {}): Promise<BlockBody[]> {
    return this.request<BlockBody[]>(
      {
        name: 'GetBlockBodies',
        want: EthMessageCode.BlockBodies,
        maxItems: hashes.length,
        build: (requestId) => ({ name: 'GetBlockBodies', value: { requestId, hashes: [...hashes] } }),
        accept: (m) => (m.name === 'BlockBodies' ? m.value.bodies : undefined),
      },
      opts,
    );
  }

  /**
   * GetReceipts in the form of the peer's version. On eth/70, `firstBlockReceiptIndex` skips
   * receipts of the first block already received (to continue after `lastBlockIncomplete`).
   */
  getReceipts(hashes: readonly Uint8Array[], opts: RequestOptions & { firstBlockReceiptIndex?: bigint } = {}): Promise<ReceiptsResponse> {
    const first = opts.firstBlockReceiptIndex ?? 0n;
    if (first !== 0n && !hasPaginatedReceipts(this.version)) return Promise.reject(new EthUnsupportedMessageError('GetReceipts with firstBlockReceiptIndex', this.version));
    return this.request<ReceiptsResponse>(
      {
        name: 'GetReceipts',
        want: EthMessageCode.Receipts,
        maxItems: hashes.length,
        build: (requestId) => (hasPaginatedReceipts(this.version) ? { name: 'GetReceipts', value: { requestId, firstBlockReceiptIndex: first, hashes: [...hashes] } } : { name: 'GetReceipts', value: { requestId, hashes: [...hashes] } }) as AnyEthMessage,
        accept: (m) => {
          if (m.name !== 'Receipts') return undefined;
          const v = m.value as { receipts: unknown[][]; lastBlockIncomplete?: boolean };
          if (this.version === 68) return { version: 68, receipts: v.receipts as Receipt68[][] };
          // An incomplete response must move the caller forward by at least one receipt, or a peer
          // could keep its continuation loop going forever (geth #35593).
          if (v.lastBlockIncomplete === true && v.receipts.every((l) => l.length === 0)) return new InvalidResponse('lastBlockIncomplete without any receipt');
          return { version: this.version, receipts: v.receipts as Receipt69[][], lastBlockIncomplete: v.lastBlockIncomplete ?? false };
        },
      },
      opts,
    );
  }

  /**
   * eth/71 GetBlockAccessLists: one entry per hash answered, in request order (the peer may cut
   * the tail), `undefined` where the peer does not have the list. Entries are the raw RLP the
   * header's block-access-list hash commits to.
   */
  getBlockAccessLists(hashes: readonly Uint8Array[], opts: RequestOptions = {}): Promise<(Uint8Array | undefined)[]> {
    if (this.version < 71) return Promise.reject(new EthUnsupportedMessageError('GetBlockAccessLists', this.version));
    return this.request<(Uint8Array | undefined)[]>(
      {
        name: 'GetBlockAccessLists',
        want: EthMessageCode.BlockAccessLists,
        maxItems: hashes.length,
        build: (requestId) => ({ name: 'GetBlockAccessLists', value: { requestId, hashes: [...hashes] } }) as AnyEthMessage,
        accept: (m) => (m.name === 'BlockAccessLists' ? (m.value as BlockAccessLists).accessLists.map((a) => (a.length === 1 && a[0] === 0x80 ? undefined : a)) : undefined),
      },
      opts,
    );
  }

  /** eth/72 GetCells: the cells of the blob transactions the peer has, for the columns in `mask` (16 bytes). */
  getCells(hashes: readonly Uint8Array[], mask: Uint8Array, opts: RequestOptions = {}): Promise<Cells> {
    if (this.version < 72) return Promise.reject(new EthUnsupportedMessageError('GetCells', this.version));
    return this.request<Cells>(
      {
        name: 'GetCells',
        want: EthMessageCode.Cells,
        maxItems: hashes.length,
        build: (requestId) => ({ name: 'GetCells', value: { requestId, hashes: [...hashes], mask } }) as AnyEthMessage,
        accept: (m) => (m.name === 'Cells' ? (m.value as Cells) : undefined),
      },
      opts,
    );
  }

  /** GetPooledTransactions; the peer returns those it has, in request order. */
  getPooledTransactions(hashes: readonly Uint8Array[], opts: RequestOptions = {}): Promise<Transaction[]> {
    return this.request<Transaction[]>(
      {
        name: 'GetPooledTransactions',
        want: EthMessageCode.PooledTransactions,
        maxItems: hashes.length,
        build: (requestId) => ({ name: 'GetPooledTransactions', value: { requestId, hashes: [...hashes] } }),
        accept: (m) => (m.name === 'PooledTransactions' ? m.value.transactions : undefined),
      },
      opts,
    );
  }

  /** Sends a request through the tracker (a response with more than `maxItems` items is refused before decoding). */
  private request<T, M = AnyEthMessage>(req: TrackedRequest<T, M>, opts: RequestOptions): Promise<T> {
    return this.tracker.request(req, opts);
  }

  // ---- sending ----------------------------------------------------------------------------

  private sendMessage(message: AnyEthMessage): void {
    const { code, data } = encodeEthMessage(this.version, message as EthMessage);
    this.session.send(ETH_PROTOCOL_NAME, code, data);
  }

  /** Sends full transactions (Transactions). */
  sendTransactions(txs: readonly Transaction[]): void {
    for (const batch of transactionBatches(txs)) this.sendMessage({ name: 'Transactions', value: batch });
  }

  /** Announces transactions by type, size and hash (NewPooledTransactionHashes). */
  announceTransactions(announcement: NewPooledTransactionHashes & { mask?: Uint8Array }): void {
    // eth/72 announcements carry a custody bitmap; without one we claim no blob cells.
    const value = this.version === 72 ? { ...announcement, mask: announcement.mask ?? new Uint8Array(CUSTODY_BITMAP_LENGTH) } : announcement;
    this.sendMessage({ name: 'NewPooledTransactionHashes', value } as AnyEthMessage);
  }

  /** eth/68 only; throws {@link EthUnsupportedMessageError} on eth/69+ (announcements ended at the merge). */
  sendNewBlockHashes(announcements: readonly BlockAnnouncement[]): void {
    checkBlockAnnouncement(this.version, 'NewBlockHashes');
    this.sendMessage({ name: 'NewBlockHashes', value: [...announcements] } as AnyEthMessage);
  }

  /** eth/68 only; throws {@link EthUnsupportedMessageError} on eth/69+. */
  sendNewBlock(block: NewBlock): void {
    checkBlockAnnouncement(this.version, 'NewBlock');
    this.sendMessage({ name: 'NewBlock', value: block } as AnyEthMessage);
  }

  /**
   * eth/69+: sends a BlockRangeUpdate now. Throws {@link EthUnsupportedMessageError} on eth/68
   * and RangeError for an invalid range (the peer would disconnect us).
   */
  sendBlockRangeUpdate(range: BlockRangeUpdate): void {
    checkBlockRangeUpdate(this.version, range);
    this.sendMessage({ name: 'BlockRangeUpdate', value: range } as AnyEthMessage);
    this.lastRangeSent = { ...range };
  }

  /**
   * Tells the peer our head moved, as geth does: on eth/69+ a BlockRangeUpdate goes out when the
   * head is at least `BLOCK_RANGE_UPDATE_INTERVAL` blocks past the last range sent (or went
   * back); otherwise nothing is sent. Defaults to the chain's current head and earliest
   * block. Returns true if a message was sent (always false on eth/68, which has no range).
   */
  announceHead(head: Pick<BlockHeader, 'number' | 'hash'> = this.opts.chain.head(), earliest: bigint = this.opts.chain.earliest()): boolean {
    if (this.version === 68 || this.closed) return false;
    const range = nextBlockRange(this.lastRangeSent, head, earliest);
    if (range === undefined) return false;
    this.sendBlockRangeUpdate(range);
    return true;
  }

  // ---- inbound ----------------------------------------------------------------------------

  private onMessage(msg: SessionMessage): void {
    if (msg.capability !== ETH_PROTOCOL_NAME || this.closed) return;
    const violation = inboundViolation(this.version, msg.code, msg.data);
    if (violation !== undefined) {
      // Every rule before decoding is a SubprotocolError in geth.
      this.breach(violation, DisconnectReason.SubprotocolError);
      return;
    }
    if (REQUEST_CODES.has(msg.code)) {
      this.serveQueue.push(msg);
      return;
    }
    if (RESPONSE_CODES.has(msg.code)) {
      const requestId = this.admitResponse(msg);
      if (requestId === undefined) return;
      const read = this.tracker.decoderFor(msg.code, requestId);
      if (read !== undefined) {
        const value = this.decodeWith(() => read(topLevelValue(msg.data)));
        if (value !== undefined) this.tracker.deliver(msg.code, requestId, value);
        return;
      }
    }
    const m = this.decode(msg);
    if (m === undefined) return;
    switch (m.name) {
      case 'BlockHeaders':
      case 'BlockBodies':
      case 'Receipts':
      case 'PooledTransactions':
      case 'BlockAccessLists':
      case 'Cells':
        this.tracker.deliver(msg.code, (m.value as { requestId: bigint }).requestId, m);
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
    return this.decodeWith(() => decodeEthMessage(this.version, msg.code, msg.data) as AnyEthMessage);
  }

  /** Runs a decoder; a malformed message is a breach (ProtocolBreach, as geth) and gives undefined. */
  private decodeWith<T>(decode: () => T): T | undefined {
    try {
      return decode();
    } catch (err) {
      this.breach(new EthProtocolError('decode', (err as Error).message, { cause: err }), DisconnectReason.ProtocolBreach);
      return undefined;
    }
  }

  /**
   * Checks a response against our requests from its request ID and item count alone, before
   * decoding its items (a peer must not make us build 10 MiB worth of objects for an answer
   * nobody asked for). Its request ID if it answers a request in flight and should be decoded.
   */
  private admitResponse(msg: SessionMessage): bigint | undefined {
    const summary = this.decodeWith(() => peekResponse(this.version, msg.code, msg.data));
    if (summary === undefined) return undefined;
    return this.tracker.admit(msg.code, summary) ? summary.requestId : undefined;
  }

  // ---- serving ----------------------------------------------------------------------------

  /** Decodes a request and answers it from the chain. */
  private serveRequest(msg: SessionMessage): void {
    const m = this.decode(msg);
    if (m === undefined) return;
    const limits = this.opts.softResponseLimit === undefined ? {} : { softResponseLimit: this.opts.softResponseLimit };
    const reply = answerRequest(this.version, m, { chain: this.opts.chain, txSource: this.opts.txSource, blobSource: this.opts.blobSource }, limits);
    if (reply === undefined) return;
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
    this.serveQueue.stop();
    this.tracker.failAll(`session closed (reason 0x${info.reason.toString(16)})`, info.error);
    this.emit('close', info);
  }
}
