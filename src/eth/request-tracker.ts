/**
 * Our requests to one eth peer (geth `eth/protocols/eth/dispatcher.go` and its `p2p/tracker`):
 * random request IDs, a bound on requests in flight (more wait for a slot), a deadline and an
 * abort per request, the memory of expired IDs so a late answer is dropped rather than taken as
 * unsolicited, and the check of a response against its request before it is decoded.
 */
import { DisconnectReason } from '../rlpx/disconnect-reason.js';
import { EthProtocolError, EthRequestError, type EthRequestFailure } from './errors.js';
import type { AnyEthMessage } from './messages/index.js';
import { messageNameForCode, type EthVersion } from './protocol.js';

/** Default per-request timeout. geth's downloader adapts its timeout to the peer's measured RTT (2-20 s target, at most 1 min); 10 s is a fixed middle. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Default bound on our requests in flight to one peer; more wait for a slot (their timeout runs while waiting). */
export const DEFAULT_MAX_IN_FLIGHT = 16;
/**
 * How long the ID of a request of ours that timed out or was aborted stays known, counted from
 * when it was sent: a response to it within this is late and dropped; after it, or to an ID
 * never sent, the response is unsolicited and ends the session. geth's request tracker keeps
 * every request this long (`tracker.New(..., 5*time.Minute)` in eth/protocols/eth/peer.go).
 */
export const EXPIRED_ID_LIFETIME_MS = 5 * 60_000;
/** Most expired request IDs remembered per peer (the oldest is forgotten first; geth tracks up to 10000 requests). */
export const EXPIRED_ID_MEMORY = 1024;

/** Per-request options. */
export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The counters of the tracker (a part of {@link EthPeerStats}). */
export interface RequestStats {
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
}

/** What the tracker needs from the peer it tracks for. */
export interface RequestHost {
  readonly version: EthVersion;
  readonly closed: boolean;
  readonly stats: RequestStats;
  /** Encodes a message of the negotiated version (throws RangeError for a malformed one). */
  encode(message: AnyEthMessage): { code: number; data: Uint8Array };
  /** Sends an encoded eth message (throws if the session refuses it). */
  sendEncoded(code: number, data: Uint8Array): void;
  /** A request that was sent has ended (for latency metrics). */
  ended(name: string, outcome: 'ok' | EthRequestFailure, ms: number): void;
  /** Ends the session for a response that breaks the protocol. */
  breach(err: EthProtocolError, reason: DisconnectReason): void;
}

/** A response that breaks its request's bounds. */
export class InvalidResponse {
  constructor(readonly message: string) {}
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
  /** The request's own reader of its response, if it has one. */
  decode: ((data: Uint8Array) => unknown) | undefined;
}

/**
 * One request: what to send, the response code it wants, and how to read the answer. `M` is
 * what `accept` receives: the decoded message, or what the request's own `decode` returns.
 */
export interface TrackedRequest<T, M = AnyEthMessage> {
  name: string;
  /** The response's message code. */
  want: number;
  /** Most items a valid response holds; a response with more is refused before decoding. */
  maxItems: number;
  build(requestId: bigint): AnyEthMessage;
  /**
   * Maps the decoded response to the result; an {@link InvalidResponse} for a response that
   * breaks another of the request's rules, undefined for a message of the wrong type (which
   * leaves the request pending).
   */
  accept(m: M): T | InvalidResponse | undefined;
  /**
   * Reads the response's bytes (its top-level value) instead of the message decoder, for a
   * caller that wants less than the full decode (header sync's header records). Throws a
   * DecodeError for a malformed response, as the decoder does.
   */
  decode?(data: Uint8Array): M;
}

/** Tracks the requests of one peer. */
export class RequestTracker {
  private readonly pending = new Map<bigint, Pending>();
  private readonly waiting: (() => void)[] = [];
  /** Timed-out or aborted requests by ID, oldest first: their late answers are dropped. */
  private readonly expired = new Map<bigint, { want: number; sentAt: number }>();
  /** The fail functions of every unsettled request, so a closing session rejects them all. */
  private readonly failers = new Set<(reason: EthRequestFailure, message: string, cause?: unknown) => void>();

  constructor(
    private readonly host: RequestHost,
    private readonly requestTimeoutMs: number = DEFAULT_REQUEST_TIMEOUT_MS,
    private readonly maxInFlight: number = DEFAULT_MAX_IN_FLIGHT,
  ) {}

  /** Requests in flight (sent, not yet answered). */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends a request (once a slot is free) and waits for its response. */
  request<T, M = AnyEthMessage>(req: TrackedRequest<T, M>, opts: RequestOptions): Promise<T> {
    const { name, want, maxItems } = req;
    const host = this.host;
    return new Promise<T>((resolve, reject) => {
      if (host.closed) return reject(new EthRequestError('disconnected', name, 'peer is disconnected'));
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
        if (sentAt !== undefined) host.ended(name, err instanceof EthRequestError ? err.reason : 'ok', performance.now() - sentAt);
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
            const r = req.accept(m as M);
            if (r instanceof InvalidResponse) fail('invalid-response', r.message);
            else settle(undefined, r as T);
          },
          refuse: (message) => fail('invalid-response', message),
          decode: req.decode === undefined ? undefined : (data) => req.decode!(data),
        };
        this.pending.set(id, entry);
        let encoded: { code: number; data: Uint8Array };
        try {
          encoded = host.encode(req.build(id));
        } catch (err) {
          // A malformed request (e.g. a hash of the wrong size) is the caller's error, thrown as is.
          settle(err as Error);
          return;
        }
        try {
          host.sendEncoded(encoded.code, encoded.data);
          host.stats.requests++;
          sentAt = performance.now();
        } catch (err) {
          fail('disconnected', `send failed: ${(err as Error).message}`, err);
        }
      };
      const onAbort = () => {
        host.stats.aborts++;
        fail('aborted', 'aborted by caller', signal?.reason);
      };
      const timer = setTimeout(() => {
        host.stats.timeouts++;
        fail('timeout', `no response within ${timeoutMs} ms${entry === undefined ? ' (still waiting for an in-flight slot)' : ''}`);
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.failers.add(fail);
      if (this.pending.size < this.maxInFlight) start();
      else this.waiting.push(start);
    });
  }

  /**
   * Checks a response against our requests from its request ID and item count alone, before
   * decoding its items (a peer must not make us build 10 MiB worth of objects for an answer
   * nobody asked for). True if it answers a request in flight and should be decoded.
   */
  admit(code: number, summary: { requestId: bigint; items: number }): boolean {
    const p = this.pending.get(summary.requestId);
    if (p === undefined || p.want !== code) {
      this.onUnsolicited(summary.requestId, code, p);
      return false;
    }
    // More items than were asked for (geth checks this before decoding too): the request
    // fails as it would after decoding, without building up to 10 MiB worth of objects.
    if (summary.items > p.maxItems) {
      this.host.stats.responses++;
      p.refuse(`${summary.items} items for ${p.maxItems} asked (${p.name})`);
      return false;
    }
    return true;
  }

  /** The own response reader of request `requestId` (see {@link TrackedRequest.decode}), if it wants response `code` and has one. */
  decoderFor(code: number, requestId: bigint): ((data: Uint8Array) => unknown) | undefined {
    const p = this.pending.get(requestId);
    return p !== undefined && p.want === code ? p.decode : undefined;
  }

  /** Hands a decoded (admitted) response to its request. */
  deliver(code: number, requestId: bigint, m: unknown): void {
    const p = this.pending.get(requestId);
    if (p !== undefined && p.want === code) {
      this.host.stats.responses++;
      p.deliver(m);
    }
  }

  /** Fails every unsettled request (the session closed). */
  failAll(message: string, cause: unknown): void {
    for (const fail of [...this.failers]) fail('disconnected', message, cause);
    this.failers.clear();
  }

  /**
   * A response that answers no request in flight. As geth: a late answer to a request of ours
   * that timed out or was aborted (sent at most {@link EXPIRED_ID_LIFETIME_MS} ago) is dropped;
   * any other (an ID we never sent, or the wrong message type for the ID) ends the session with
   * SubprotocolError at once.
   */
  private onUnsolicited(requestId: bigint, code: number, inFlight: Pending | undefined): void {
    this.host.stats.unsolicited++;
    const name = messageNameForCode(this.host.version, code);
    if (inFlight !== undefined) {
      this.host.breach(new EthProtocolError('unsolicited', `${name} answering request ${requestId}, a ${inFlight.name}`), DisconnectReason.SubprotocolError);
      return;
    }
    const expired = this.takeExpired(requestId);
    if (expired !== undefined && expired.want === code) {
      this.host.stats.late++;
      return;
    }
    const why = expired === undefined ? 'which we never sent (or sent too long ago)' : 'which wanted another response type';
    this.host.breach(new EthProtocolError('unsolicited', `${name} answering request ${requestId}, ${why}`), DisconnectReason.SubprotocolError);
  }

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
}
