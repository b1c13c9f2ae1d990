/**
 * An RLPx session: the devp2p base protocol (geth `p2p/peer.go`) over an {@link RlpxConn}
 * transport (conn.ts): Hello and capability matching, routing of sub-protocol messages by
 * offset, holding messages for a late listener, Disconnect, and Ping/Pong through its
 * {@link Pinger}. Sub-protocols send and receive through it by (capability, code); it knows
 * nothing of what their messages mean.
 *
 * States move one way (session-state.ts): handshake -> hello -> active -> closed. `transition`
 * checks each move against the table; `finish` is the one place a session ends and stops every
 * timer it and its transport started.
 *
 * Over 400 lines on purpose: the public Session surface (config, events, send, drained,
 * read holds, disconnect) with its TSDoc is a fifth of it; the transport, pinger and state table
 * are already apart.
 */
import type { Socket } from 'node:net';
import { TypedEmitter, type EventName, type Listener } from '../common/emitter.js';
import { DEFAULT_CLIENT_ID } from '../common/client-id.js';
import { equalBytes, bytesToHex } from '../common/bytes.js';
import { publicKeyOf } from '../crypto/secp256k1.js';
import { DisconnectReason } from './disconnect-reason.js';
import { DisconnectError, FrameError, HandshakeError, ProtocolError, TimeoutError, WriteQueueFullError } from './errors.js';
import { closeForTimeout, IDLE_TIMEOUT_MS, MAX_WRITE_BUFFER, RlpxConn, WRITE_TIMEOUT_MS, type ConnHandler, type SessionStats } from './conn.js';
import { BASE_PROTOCOL_LENGTH, BASE_PROTOCOL_VERSION, BaseCode, decodeDisconnect, decodeHello, encodeDisconnect, encodeHello, type Hello } from './hello.js';
import { matchCapabilities, type CapabilityDef, type SharedCapability } from './capabilities.js';
import { PING_INTERVAL_MS, Pinger, type PingOwner } from './pinger.js';
import { checkTransition, SessionState } from './session-state.js';
import { abortError } from '../common/abortable.js';

/** geth's handshakeTimeout: ECIES + Hello must finish within this. */
export const HANDSHAKE_TIMEOUT_MS = 5_000;
/**
 * Messages that arrive before the application attaches a 'message' listener (e.g. right after
 * Hello, while `dial()`'s promise is still resolving) are held, up to this many bytes, and
 * delivered when a listener is attached. Past the bound the peer is dropped.
 */
export const MAX_HELD_BYTES = 16 * 1024 * 1024;

/** Our client ID in Hello unless configured (defined in common/client-id.ts). */
export { DEFAULT_CLIENT_ID };

/** Configuration shared by every session of a node. */
export interface SessionConfig {
  /** Our static node key (32 bytes). */
  privateKey: Uint8Array;
  /** Capabilities we offer in Hello. */
  capabilities: readonly CapabilityDef[];
  clientId?: string;
  /** TCP port we listen on, advertised in Hello (0 if none). */
  listenPort?: number;
  handshakeTimeoutMs?: number;
  pingIntervalMs?: number;
  /** Read deadline per frame once active, counted from the end of the previous frame ({@link IDLE_TIMEOUT_MS}). */
  idleTimeoutMs?: number;
  writeTimeoutMs?: number;
  maxWriteBufferBytes?: number;
  /** Disconnect with UselessPeer when no capability is shared (default true). */
  requireSharedCapability?: boolean;
  /**
   * Called once the remote Hello is valid, before the session becomes active; returning a
   * reason refuses the peer with it (the server uses this for TooManyPeers, AlreadyConnected...).
   */
  checkHello?: (hello: Hello, session: Session) => DisconnectReason | undefined;
}

export type Direction = 'inbound' | 'outbound';
export { SessionState };
export type { SessionStats };

/** Why a session ended. */
export interface CloseInfo {
  reason: DisconnectReason;
  /** True if the peer sent the Disconnect or dropped the connection; false if we ended it. */
  remote: boolean;
  /** The underlying error, if any (e.g. a FrameError, TimeoutError, or the peer's DisconnectError). */
  error?: Error;
}

/** A sub-protocol message as delivered to its handler; `code` is relative to the capability. */
/** A message of a negotiated capability, named as in `send(capability, code, data)`. */
export interface SessionMessage {
  /** The capability's name ('eth'), the same string `send()` takes. */
  capability: string;
  /** The negotiated version of that capability. */
  version: number;
  /** Code relative to the capability (0-based). */
  code: number;
  data: Uint8Array;
}

export interface SessionEvents {
  /** A message for a negotiated capability. */
  message: (msg: SessionMessage) => void;
  /** The session ended (emitted once). */
  close: (info: CloseInfo) => void;
  /** A Pong arrived for our Ping; `rttMs` is the round trip. */
  pong: (rttMs: number) => void;
}

/** An RLPx session. Create with {@link dial} or {@link accept} (see connect.ts). */
export class Session extends TypedEmitter<SessionEvents> {
  readonly direction: Direction;
  readonly stats: SessionStats = { bytesIn: 0, bytesOut: 0, messagesIn: 0, messagesOut: 0, maxQueuedBytes: 0 };
  /** When the session became active (ms since epoch), or 0. */
  activeSince = 0;
  /** The remote Hello, once received. */
  remoteHello?: Hello;
  /** Negotiated capabilities, in offset order. */
  capabilities: SharedCapability[] = [];
  /** How the session ended, once closed. */
  closeInfo?: CloseInfo;
  /** Resolves when the session is active; rejects with the typed error that ended it before that. */
  readonly ready: Promise<void>;

  private state: SessionState = SessionState.Handshake;
  private readonly conn: RlpxConn;
  private readonly pinger: Pinger;
  private readonly cfg: Required<Omit<SessionConfig, 'checkHello'>> & Pick<SessionConfig, 'checkHello'>;
  private handshakeTimer?: NodeJS.Timeout;
  private held: SessionMessage[] = [];
  private heldBytes = 0;
  /** Settle `ready`; replaced by {@link settled} once it has, so its functions are not kept for the session's life. */
  private resolveReady: () => void = settled;
  private rejectReady: (err: Error) => void = settled;
  private readonly localPublicKey: Uint8Array;

  /**
   * Wraps a connected socket. For outbound sessions pass the remote public key; the handshake
   * starts at once. Prefer {@link dial}/{@link accept}, which also wait for `ready`.
   */
  constructor(
    readonly socket: Socket,
    config: SessionConfig,
    direction: Direction,
    remotePublicKey?: Uint8Array,
  ) {
    super();
    this.direction = direction;
    this.cfg = {
      clientId: DEFAULT_CLIENT_ID,
      listenPort: 0,
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
      pingIntervalMs: PING_INTERVAL_MS,
      idleTimeoutMs: IDLE_TIMEOUT_MS,
      writeTimeoutMs: WRITE_TIMEOUT_MS,
      maxWriteBufferBytes: MAX_WRITE_BUFFER,
      requireSharedCapability: true,
      ...config,
    };
    this.localPublicKey = publicKeyOf(config.privateKey);
    this.ready = new Promise<void>((res, rej) => {
      this.resolveReady = res;
      this.rejectReady = rej;
    });
    // Callers that only listen to 'close' must not see an unhandled rejection.
    this.ready.catch(() => {});
    // The session's own config carries every field the transport reads.
    const events = new Session.Events(this);
    this.conn = new RlpxConn(socket, this.cfg, this.stats, events);
    this.pinger = new Pinger(this.conn, events);
    this.handshakeTimer = setTimeout(() => {
      const err = new TimeoutError('handshake', this.cfg.handshakeTimeoutMs);
      this.finish({ reason: DisconnectReason.ReadTimeout, remote: false, error: err }, this.state === SessionState.Hello);
    }, this.cfg.handshakeTimeoutMs);
    if (direction === 'outbound') {
      if (!remotePublicKey) throw new TypeError('outbound session needs the remote public key');
      try {
        this.conn.startInitiator(remotePublicKey);
      } catch (err) {
        this.finish({ reason: DisconnectReason.InvalidIdentity, remote: false, error: err as Error });
        return;
      }
    } else {
      this.conn.startRecipient();
    }
  }

  /**
   * What the transport and the pinger report, forwarded to the session's private handlers: one
   * small object per session instead of a closure each (declared inside Session to reach its
   * private methods).
   */
  private static readonly Events = class implements ConnHandler, PingOwner {
    constructor(private readonly s: Session) {}

    onHandshake(): void {
      this.s.onHandshake();
    }

    onFrame(code: number, data: Uint8Array): void {
      this.s.onMessage(code, data);
    }

    onError(err: Error): void {
      this.s.fail(err);
    }

    onNetworkError(error: Error): void {
      this.s.finish({ reason: DisconnectReason.NetworkError, remote: true, error });
    }

    onTimeout(err: TimeoutError): void {
      const { reason, sendDisconnect } = closeForTimeout(err);
      this.s.finish({ reason, remote: false, error: err }, sendDisconnect);
    }

    pingDue(): void {
      this.s.ping();
    }

    onRtt(rttMs: number): void {
      this.s.emit('pong', rttMs);
    }
  };

  get currentState(): SessionState {
    return this.state;
  }

  /** The remote's 64-byte public key (known after the ECIES handshake; at once for outbound). */
  get remotePublicKey(): Uint8Array | undefined {
    return this.conn.remotePublicKey;
  }

  /** The last measured Ping round trip in ms, or undefined. */
  get lastPingRttMs(): number | undefined {
    return this.pinger.lastRttMs;
  }

  /**
   * Bytes queued for the peer that the kernel has not yet taken: the session's own queue plus
   * the socket's buffer.
   */
  get writableLength(): number {
    return this.conn.writableLength;
  }

  /** Remote address as host:port. */
  get remoteAddress(): string {
    const a = this.socket.remoteAddress ?? '?';
    return a.includes(':') ? `[${a}]:${this.socket.remotePort}` : `${a}:${this.socket.remotePort}`;
  }

  /**
   * Sends a message of a negotiated capability. `data` is the RLP-encoded message body.
   * Throws {@link ProtocolError} for an unknown capability or code, {@link WriteQueueFullError}
   * when the write buffer bound would be exceeded (nothing is sent then).
   */
  send(capability: string, code: number, data: Uint8Array): void {
    if (this.state !== SessionState.Active) throw new ProtocolError(`session is ${this.state}, cannot send`);
    const cap = this.capabilities.find((c) => c.name === capability);
    if (!cap) throw new ProtocolError(`capability ${capability} not negotiated`);
    if (!Number.isInteger(code) || code < 0 || code >= cap.length) throw new ProtocolError(`code ${code} out of range for ${cap.name}/${cap.version}`);
    this.sendFrame(cap.offset + code, data);
  }

  /**
   * Resolves once at most `lowWater` bytes (default 0) are queued for the peer
   * ({@link writableLength}), checked as each write completes. Rejects with a DisconnectError if
   * the session closes first, a TimeoutError after `timeoutMs` (default the write timeout), or
   * the signal's reason.
   */
  async drained(opts: { lowWater?: number; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const low = opts.lowWater ?? 0;
    if (this.writableLength <= low || this.state === SessionState.Closed) return;
    const timeoutMs = opts.timeoutMs ?? this.cfg.writeTimeoutMs;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.conn.removeWriteWaiter(check);
        this.off('close', onClose);
        opts.signal?.removeEventListener('abort', onAbort);
        err ? reject(err) : resolve();
      };
      const check = () => {
        if (this.writableLength <= low) done();
      };
      const onClose = () => done(new DisconnectError(this.closeInfo!.reason, this.closeInfo!.remote, this.closeInfo!.error));
      const onAbort = () => done(abortError(opts.signal!));
      const timer = setTimeout(() => done(new TimeoutError('write', timeoutMs)), timeoutMs);
      this.conn.addWriteWaiter(check);
      this.on('close', onClose);
      opts.signal?.addEventListener('abort', onAbort);
    });
  }

  /**
   * Stops reading from the peer until every holder that paused it has resumed (TCP
   * back-pressure: the peer's sends stall once the kernel buffers fill). Frames already received
   * wait too. While reading is held the read deadline does not run (geth's runs only while a
   * read is in progress); it restarts in full on resume. `holder` names who holds it (e.g. the
   * server's handler queue, eth serving), so independent holds do not release each other.
   */
  pauseReading(holder: string): void {
    if (this.state === SessionState.Closed) return;
    this.conn.pauseReading(holder);
  }

  /** Releases `holder`'s hold on reading (see {@link pauseReading}). */
  resumeReading(holder: string): void {
    if (this.state === SessionState.Closed) return;
    this.conn.resumeReading(holder);
  }

  /** True while some holder keeps reading paused. */
  get readingPaused(): boolean {
    return this.conn.readingPaused;
  }

  /** Sends a Ping; the round trip is reported by the 'pong' event and `lastPingRttMs`. */
  ping(): void {
    if (this.state !== SessionState.Active) return;
    this.pinger.ping();
  }

  /**
   * Ends the session: sends Disconnect(reason) when the framing is up, then closes the socket
   * once the Disconnect is flushed (at most {@link DISCONNECT_LINGER_MS}). Resolves when closed.
   */
  async disconnect(reason: DisconnectReason = DisconnectReason.Requested, error?: Error): Promise<void> {
    this.finish({ reason, remote: false, ...(error ? { error } : {}) }, true);
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
  }

  // ---- inbound path ---------------------------------------------------------------------

  /** Maps a processing error to the right close: reason, and whether a Disconnect can be sent. */
  private fail(err: Error): void {
    if (err instanceof HandshakeError) {
      this.finish({ reason: DisconnectReason.ProtocolBreach, remote: false, error: err }, false);
    } else if (err instanceof DisconnectError) {
      this.finish({ reason: err.reason, remote: err.remote, ...(err.cause instanceof Error ? { error: err.cause } : { error: err }) }, !err.remote);
    } else if (err instanceof FrameError) {
      // A MAC failure means the stream is unusable: geth drops the connection without a Disconnect.
      this.finish({ reason: DisconnectReason.ProtocolBreach, remote: false, error: err }, false);
    } else {
      this.finish({ reason: DisconnectReason.ProtocolBreach, remote: false, error: err }, true);
    }
  }

  /** The transport's handshake is done: send our Hello and wait for the peer's. */
  private onHandshake(): void {
    this.transition(SessionState.Hello);
    this.conn.sendFrame(
      BaseCode.Hello,
      encodeHello({
        protocolVersion: BASE_PROTOCOL_VERSION,
        clientId: this.cfg.clientId,
        capabilities: this.cfg.capabilities.map((c) => ({ name: c.name, version: c.version })),
        listenPort: this.cfg.listenPort,
        publicKey: this.localPublicKey,
      }),
    );
  }

  private onMessage(code: number, data: Uint8Array): void {
    if (code === BaseCode.Disconnect) {
      let reason: number = DisconnectReason.Requested;
      try {
        reason = decodeDisconnect(data);
      } catch {
        // A garbled reason still means the peer is leaving.
      }
      this.finish({ reason: reason as DisconnectReason, remote: true, error: DisconnectError.fromPeer(reason as DisconnectReason) }, false);
      return;
    }
    if (this.state === SessionState.Hello) {
      if (code !== BaseCode.Hello) throw new DisconnectError(DisconnectReason.ProtocolBreach, false, new ProtocolError(`expected Hello, got message 0x${code.toString(16)}`));
      this.onHello(data);
      return;
    }
    switch (code) {
      case BaseCode.Ping:
        this.pinger.onPing();
        return;
      case BaseCode.Pong:
        this.pinger.onPong();
        return;
    }
    if (code < BASE_PROTOCOL_LENGTH) return; // Hello again or reserved IDs: ignored, as geth does.
    const cap = this.capabilities.find((c) => code >= c.offset && code < c.offset + c.length);
    if (!cap) {
      // As geth: a read error ("msg code out of range"), so the connection closes without a
      // Disconnect. The reason is kept locally (ProtocolBreach) for the server's penalty.
      this.finish({ reason: DisconnectReason.ProtocolBreach, remote: false, error: new ProtocolError(`message ID 0x${code.toString(16)} matches no capability`) }, false);
      return;
    }
    const msg = { capability: cap.name, version: cap.version, code: code - cap.offset, data };
    if (this.held.length > 0 || this.listenerCount('message') === 0) {
      this.heldBytes += data.length;
      if (this.heldBytes > MAX_HELD_BYTES) throw new DisconnectError(DisconnectReason.SubprotocolError, false, new ProtocolError(`no handler took ${this.heldBytes} bytes of messages`));
      this.held.push(msg);
      return;
    }
    this.emit('message', msg);
  }

  /**
   * Attaching the first 'message' listener delivers held messages (asynchronously, in order),
   * also when the session has closed since they arrived.
   */
  override on<K extends EventName<SessionEvents>>(event: K, fn: Listener<SessionEvents, K>): this {
    super.on(event, fn);
    if (event === 'message' && this.held.length > 0) queueMicrotask(() => this.flushHeld());
    return this;
  }

  private flushHeld(): void {
    // Messages held before a close are still delivered: they arrived before the Disconnect.
    while (this.held.length > 0 && (this.state === SessionState.Active || this.state === SessionState.Closed) && this.listenerCount('message') > 0) {
      const m = this.held.shift()!;
      this.heldBytes -= m.data.length;
      this.emit('message', m);
    }
  }

  private onHello(data: Uint8Array): void {
    let hello: Hello;
    try {
      hello = decodeHello(data);
    } catch (err) {
      throw new DisconnectError(DisconnectReason.ProtocolBreach, false, err);
    }
    // p2p v5 (EIP-706): everything after Hello is snappy-compressed when both speak it. Like
    // geth, switch as soon as the Hello decodes, so a refusing Disconnect is compressed too.
    this.conn.snappy = hello.protocolVersion >= 5;
    const refuse = (reason: DisconnectReason, why: string) => {
      throw new DisconnectError(reason, false, new ProtocolError(why));
    };
    if (hello.publicKey.length !== 64 || hello.publicKey.every((b) => b === 0)) refuse(DisconnectReason.InvalidIdentity, 'Hello node ID is not a 64-byte key');
    if (!equalBytes(hello.publicKey, this.conn.remotePublicKey!)) refuse(DisconnectReason.UnexpectedIdentity, `Hello node ID ${bytesToHex(hello.publicKey).slice(0, 16)}... does not match the handshake key`);
    // The same 64 bytes: keep one copy for the session's life, not two.
    hello.publicKey = this.conn.remotePublicKey!;
    this.remoteHello = hello;
    this.capabilities = matchCapabilities(this.cfg.capabilities, hello.capabilities);
    if (this.capabilities.length === 0 && this.cfg.requireSharedCapability) refuse(DisconnectReason.UselessPeer, 'no shared capability');
    const verdict = this.cfg.checkHello?.(hello, this);
    if (verdict !== undefined) refuse(verdict, `refused: ${verdict}`);
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.transition(SessionState.Active);
    this.conn.expectingHello = false;
    this.activeSince = Date.now();
    this.pinger.start(this.cfg.pingIntervalMs);
    this.conn.startReadDeadline();
    this.resolveReady();
    this.resolveReady = this.rejectReady = settled;
  }

  // ---- outbound path --------------------------------------------------------------------

  /** Sends a frame; a full write queue ends the session (the frame is sealed: the stream cannot go on without it). */
  private sendFrame(code: number, data: Uint8Array): void {
    try {
      this.conn.sendFrame(code, data);
    } catch (err) {
      if (err instanceof WriteQueueFullError) this.finish({ reason: DisconnectReason.NetworkError, remote: false, error: err }, false);
      throw err;
    }
  }

  // ---- state -----------------------------------------------------------------------------

  /** The one place the state changes: the move must be in the table (session-state.ts). */
  private transition(next: SessionState): void {
    this.state = checkTransition(this.state, next);
  }

  /**
   * The one place a session ends. Records why, clears timers, optionally sends Disconnect,
   * closes the socket (after a bounded linger when a Disconnect is in flight), emits 'close'
   * once, and rejects `ready` with a typed error if the session never became active.
   */
  private finish(info: CloseInfo, sendDisconnect = false): void {
    if (this.state === SessionState.Closed) return;
    const wasActive = this.state === SessionState.Active;
    const canSend = sendDisconnect && this.conn.framing && !this.socket.destroyed && (this.state === SessionState.Hello || this.state === SessionState.Active);
    if (canSend) {
      try {
        this.sendFrame(BaseCode.Disconnect, encodeDisconnect(info.reason));
      } catch {
        // The socket may already be unwritable; closing is all that is left.
      }
    }
    this.transition(SessionState.Closed);
    this.closeInfo = info;
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.pinger.stop();
    this.conn.close(canSend);
    if (!wasActive) this.rejectReady(readyError(info));
    this.resolveReady = this.rejectReady = settled;
    this.emit('close', info);
  }

  protected override onListenerError(err: unknown, event: string): void {
    // A throwing message handler is the sub-protocol's failure, not the process's.
    if (event === 'message') {
      this.finish({ reason: DisconnectReason.SubprotocolError, remote: false, error: err instanceof Error ? err : new Error(String(err)) }, true);
    } else {
      super.onListenerError(err, event);
    }
  }
}

/** What settling `ready` does once it has settled. */
function settled(): void {}

/** The error `ready` rejects with: the typed cause when it is one of ours, else a DisconnectError. */
function readyError(info: CloseInfo): Error {
  const e = info.error;
  if (e instanceof HandshakeError || e instanceof TimeoutError || e instanceof FrameError || e instanceof DisconnectError) return e;
  // Anything else, a DecodeError of the Hello included, is the cause of the close.
  return new DisconnectError(info.reason, info.remote, e);
}
