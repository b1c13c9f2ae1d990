/**
 * An RLPx session over one TCP socket: the ECIES handshake, framing, snappy, and the devp2p
 * base protocol (Hello, Disconnect, Ping/Pong). Sub-protocols send and receive through it by
 * (capability, code); it knows nothing of what their messages mean.
 *
 * States move one way: handshake -> hello -> active -> closed. `transition` and `finish` are the
 * only places that change state, and `finish` clears every timer the session started.
 */
import type { Socket } from 'node:net';
import { TypedEmitter } from '../common/emitter.js';
import { DEFAULT_CLIENT_ID } from '../common/client-id.js';
import { equalBytes, bytesToHex } from '../common/bytes.js';
import { publicKeyOf } from '../crypto/secp256k1.js';
import { DisconnectReason } from './disconnect-reason.js';
import { DisconnectError, FrameError, HandshakeError, ProtocolError, TimeoutError, WriteQueueFullError } from './errors.js';
import { FrameCodec, HEADER_LENGTH, paddedBodyLength } from './frame.js';
import { handshakePacketLength, InitiatorHandshake, isLegacyAuth, LEGACY_AUTH_SIZE, RecipientHandshake } from './handshake.js';
import {
  BASE_PROTOCOL_LENGTH,
  BASE_PROTOCOL_VERSION,
  BaseCode,
  decodeDisconnect,
  decodeHello,
  EMPTY_LIST,
  encodeDisconnect,
  encodeHello,
  MAX_HELLO_SIZE,
  type Hello,
} from './hello.js';
import { matchCapabilities, type CapabilityDef, type SharedCapability } from './capabilities.js';
import { ReadBuffer } from './read-buffer.js';
import { snappyCompress, snappyUncompress } from './snappy.js';

/** geth's handshakeTimeout: ECIES + Hello must finish within this. */
export const HANDSHAKE_TIMEOUT_MS = 5_000;
/** geth's pingInterval. */
export const PING_INTERVAL_MS = 15_000;
/**
 * geth's frameReadTimeout: once active, each frame must arrive whole within this of the end of
 * the previous one. With pings every 15 s a live peer always has a Pong to send; bytes that
 * never make up a frame (a slowloris trickle) do not count.
 */
export const IDLE_TIMEOUT_MS = 30_000;
/** geth's frameWriteTimeout: a write that makes no progress for this long ends the session. */
export const WRITE_TIMEOUT_MS = 20_000;
/** How long we wait for our Disconnect to flush before destroying the socket (geth: 1 s). */
export const DISCONNECT_LINGER_MS = 1_000;
/** Default bound on bytes queued in the socket; big enough for one 10 MiB eth message and more. */
export const MAX_WRITE_BUFFER = 32 * 1024 * 1024;
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
export type SessionState = 'handshake' | 'hello' | 'active' | 'closed';

/** Why a session ended. */
export interface CloseInfo {
  reason: DisconnectReason;
  /** True if the peer sent the Disconnect or dropped the connection; false if we ended it. */
  remote: boolean;
  /** The underlying error, if any (e.g. a FrameError, TimeoutError, or the peer's DisconnectError). */
  error?: Error;
}

/** A sub-protocol message as delivered to its handler; `code` is relative to the capability. */
export interface SessionMessage {
  capability: SharedCapability;
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

/** Byte and message counters of a session (wire bytes, including framing). */
export interface SessionStats {
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
}

/** An RLPx session. Create with {@link dial} or {@link accept} (see connect.ts). */
export class Session extends TypedEmitter<SessionEvents> {
  readonly direction: Direction;
  readonly stats: SessionStats = { bytesIn: 0, bytesOut: 0, messagesIn: 0, messagesOut: 0 };
  /** When the session became active (ms since epoch), or 0. */
  activeSince = 0;
  /** The remote Hello, once received. */
  remoteHello?: Hello;
  /** Negotiated capabilities, in offset order. */
  capabilities: SharedCapability[] = [];
  /** The last measured Ping round trip in ms, or undefined. */
  lastPingRttMs?: number;
  /** How the session ended, once closed. */
  closeInfo?: CloseInfo;
  /** Resolves when the session is active; rejects with the typed error that ended it before that. */
  readonly ready: Promise<void>;

  private state: SessionState = 'handshake';
  private readonly buf = new ReadBuffer();
  private codec?: FrameCodec;
  private pendingFrameSize = -1;
  private snappy = false;
  private remoteKey?: Uint8Array;
  private initiator?: InitiatorHandshake;
  private recipient?: RecipientHandshake;
  private readonly cfg: Required<Omit<SessionConfig, 'checkHello'>> & Pick<SessionConfig, 'checkHello'>;
  /** When the last whole frame was read (or the session became active): the read deadline counts from here. */
  private lastFrameAt = 0;
  private pingSentAt = 0;
  private handshakeTimer?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;
  private writeTimer?: NodeJS.Timeout;
  private lingerTimer?: NodeJS.Timeout;
  private writeProgressMark = 0;
  private held: SessionMessage[] = [];
  private heldBytes = 0;
  private resolveReady!: () => void;
  private rejectReady!: (err: Error) => void;
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
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.finish({ reason: DisconnectReason.NetworkError, remote: true, error: err }));
    socket.on('end', () => this.finish({ reason: DisconnectReason.NetworkError, remote: true, error: new Error('connection closed by peer') }));
    socket.on('close', () => {
      clearTimeout(this.lingerTimer);
      this.finish({ reason: DisconnectReason.NetworkError, remote: true, error: new Error('socket closed') });
    });
    socket.on('drain', () => this.clearWriteTimer());
    this.handshakeTimer = setTimeout(() => {
      const err = new TimeoutError('handshake', this.cfg.handshakeTimeoutMs);
      this.finish({ reason: DisconnectReason.ReadTimeout, remote: false, error: err }, this.state === 'hello');
    }, this.cfg.handshakeTimeoutMs);
    if (direction === 'outbound') {
      if (!remotePublicKey) throw new TypeError('outbound session needs the remote public key');
      this.remoteKey = remotePublicKey;
      try {
        this.initiator = new InitiatorHandshake(config.privateKey, remotePublicKey);
      } catch (err) {
        this.finish({ reason: DisconnectReason.InvalidIdentity, remote: false, error: new HandshakeError(`bad remote key: ${(err as Error).message}`, err) });
        return;
      }
      this.write(this.initiator.authPacket);
    } else {
      this.recipient = new RecipientHandshake(config.privateKey);
    }
  }

  get currentState(): SessionState {
    return this.state;
  }

  /** The remote's 64-byte public key (known after the ECIES handshake; at once for outbound). */
  get remotePublicKey(): Uint8Array | undefined {
    return this.remoteKey;
  }

  /** Bytes waiting in the socket's write buffer. */
  get writableLength(): number {
    return this.socket.writableLength;
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
    if (this.state !== 'active') throw new ProtocolError(`session is ${this.state}, cannot send`);
    const cap = this.capabilities.find((c) => c.name === capability);
    if (!cap) throw new ProtocolError(`capability ${capability} not negotiated`);
    if (!Number.isInteger(code) || code < 0 || code >= cap.length) throw new ProtocolError(`code ${code} out of range for ${cap.name}/${cap.version}`);
    this.sendFrame(cap.offset + code, data);
  }

  /** Resolves when the write buffer has drained below `lowWater` bytes (bounded by timeout/signal). */
  async drained(opts: { lowWater?: number; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const low = opts.lowWater ?? 0;
    if (this.socket.writableLength <= low || this.state === 'closed') return;
    const timeoutMs = opts.timeoutMs ?? this.cfg.writeTimeoutMs;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.socket.off('drain', check);
        this.off('close', onClose);
        opts.signal?.removeEventListener('abort', onAbort);
        err ? reject(err) : resolve();
      };
      const check = () => {
        if (this.socket.writableLength <= low) done();
      };
      const onClose = () => done(new DisconnectError(this.closeInfo!.reason, this.closeInfo!.remote, this.closeInfo!.error));
      const onAbort = () => done(opts.signal!.reason instanceof Error ? opts.signal!.reason : new Error('aborted'));
      const timer = setTimeout(() => done(new TimeoutError('write', timeoutMs)), timeoutMs);
      this.socket.on('drain', check);
      this.on('close', onClose);
      opts.signal?.addEventListener('abort', onAbort);
    });
  }

  /** Sends a Ping; the round trip is reported by the 'pong' event and `lastPingRttMs`. */
  ping(): void {
    if (this.state !== 'active') return;
    this.pingSentAt = performance.now();
    this.sendFrame(BaseCode.Ping, EMPTY_LIST);
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

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.stats.bytesIn += chunk.length;
    this.buf.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    try {
      this.process();
    } catch (err) {
      this.fail(err as Error);
    }
  }

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

  private process(): void {
    while (this.state !== 'closed') {
      if (this.state === 'handshake') {
        if (!this.readHandshakePacket()) return;
        continue;
      }
      const codec = this.codec!;
      if (this.pendingFrameSize < 0) {
        if (this.buf.length < HEADER_LENGTH) return;
        const size = codec.openHeader(this.buf.take(HEADER_LENGTH));
        // Before Hello only Hello or Disconnect may come, so a big frame is an attack on memory.
        if (this.state === 'hello' && size > MAX_HELLO_SIZE + 8) throw new FrameError(`frame of ${size} bytes before Hello exceeds ${MAX_HELLO_SIZE}`);
        this.pendingFrameSize = size;
      }
      const need = paddedBodyLength(this.pendingFrameSize);
      if (this.buf.length < need) return;
      const { code, data } = codec.openBody(this.buf.take(need), this.pendingFrameSize);
      this.pendingFrameSize = -1;
      this.stats.messagesIn++;
      this.onMessage(code, this.snappy ? this.uncompress(code, data) : data);
      // Like geth's per-read deadline, the next frame's time starts once this one is handled.
      this.lastFrameAt = Date.now();
    }
  }

  /**
   * Snappy-decodes a message body. A Disconnect that does not decode is read raw: some
   * implementations (@ethereumjs/devp2p 10, older Nethermind) send it uncompressed, and the peer
   * is leaving either way, so its reason is worth more than a decoding error.
   */
  private uncompress(code: number, data: Uint8Array): Uint8Array {
    if (code !== BaseCode.Disconnect) return snappyUncompress(data);
    try {
      return snappyUncompress(data, MAX_HELLO_SIZE);
    } catch {
      return data;
    }
  }

  /** Reads auth (recipient) or ack (initiator) if complete; returns false when more bytes are needed. */
  private readHandshakePacket(): boolean {
    if (this.buf.length < 2) return false;
    if (this.recipient && this.buf.length >= LEGACY_AUTH_SIZE && this.buf.peek(1)[0] === 0x04) {
      const len = handshakePacketLength(this.buf.peek(2))!;
      if (this.buf.length < len && isLegacyAuth(this.cfg.privateKey, this.buf.peek(LEGACY_AUTH_SIZE))) {
        throw new HandshakeError('pre-EIP-8 handshake is not supported');
      }
    }
    const len = handshakePacketLength(this.buf.peek(2))!;
    if (this.buf.length < len) return false;
    const packet = this.buf.take(len);
    if (this.recipient) {
      const { ackPacket, secrets } = this.recipient.readAuth(packet);
      this.remoteKey = secrets.remotePublicKey;
      this.write(ackPacket);
      this.codec = new FrameCodec(secrets);
    } else {
      this.codec = new FrameCodec(this.initiator!.readAck(packet));
    }
    this.initiator = undefined;
    this.recipient = undefined;
    this.transition('hello');
    this.sendFrame(
      BaseCode.Hello,
      encodeHello({
        protocolVersion: BASE_PROTOCOL_VERSION,
        clientId: this.cfg.clientId,
        capabilities: this.cfg.capabilities.map((c) => ({ name: c.name, version: c.version })),
        listenPort: this.cfg.listenPort,
        publicKey: this.localPublicKey,
      }),
    );
    return true;
  }

  private onMessage(code: number, data: Uint8Array): void {
    if (code === BaseCode.Disconnect) {
      let reason: number = DisconnectReason.Requested;
      try {
        reason = decodeDisconnect(data);
      } catch {
        // A garbled reason still means the peer is leaving.
      }
      this.finish({ reason: reason as DisconnectReason, remote: true, error: new DisconnectError(reason as DisconnectReason, true) }, false);
      return;
    }
    if (this.state === 'hello') {
      if (code !== BaseCode.Hello) throw new DisconnectError(DisconnectReason.ProtocolBreach, false, new ProtocolError(`expected Hello, got message 0x${code.toString(16)}`));
      this.onHello(data);
      return;
    }
    switch (code) {
      case BaseCode.Ping:
        this.sendFrame(BaseCode.Pong, EMPTY_LIST);
        return;
      case BaseCode.Pong:
        if (this.pingSentAt) {
          this.lastPingRttMs = performance.now() - this.pingSentAt;
          this.pingSentAt = 0;
          this.emit('pong', this.lastPingRttMs);
        }
        return;
    }
    if (code < BASE_PROTOCOL_LENGTH) return; // Hello again or reserved IDs: ignored, as geth does.
    const cap = this.capabilities.find((c) => code >= c.offset && code < c.offset + c.length);
    if (!cap) throw new DisconnectError(DisconnectReason.ProtocolBreach, false, new ProtocolError(`message ID 0x${code.toString(16)} matches no capability`));
    const msg = { capability: cap, code: code - cap.offset, data };
    if (this.held.length > 0 || this.listenerCount('message') === 0) {
      this.heldBytes += data.length;
      if (this.heldBytes > MAX_HELD_BYTES) throw new DisconnectError(DisconnectReason.SubprotocolError, false, new ProtocolError(`no handler took ${this.heldBytes} bytes of messages`));
      this.held.push(msg);
      return;
    }
    this.emit('message', msg);
  }

  /** Attaching the first 'message' listener delivers held messages (asynchronously, in order). */
  override on<K extends keyof SessionEvents>(event: K, fn: SessionEvents[K]): this {
    super.on(event, fn);
    if (event === 'message' && this.held.length > 0) queueMicrotask(() => this.flushHeld());
    return this;
  }

  private flushHeld(): void {
    while (this.held.length > 0 && this.state === 'active' && this.listenerCount('message') > 0) {
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
    this.snappy = hello.protocolVersion >= 5;
    const refuse = (reason: DisconnectReason, why: string) => {
      throw new DisconnectError(reason, false, new ProtocolError(why));
    };
    if (hello.publicKey.length !== 64 || hello.publicKey.every((b) => b === 0)) refuse(DisconnectReason.InvalidIdentity, 'Hello node ID is not a 64-byte key');
    if (!equalBytes(hello.publicKey, this.remoteKey!)) refuse(DisconnectReason.UnexpectedIdentity, `Hello node ID ${bytesToHex(hello.publicKey).slice(0, 16)}... does not match the handshake key`);
    this.remoteHello = hello;
    this.capabilities = matchCapabilities(this.cfg.capabilities, hello.capabilities);
    if (this.capabilities.length === 0 && this.cfg.requireSharedCapability) refuse(DisconnectReason.UselessPeer, 'no shared capability');
    const verdict = this.cfg.checkHello?.(hello, this);
    if (verdict !== undefined) refuse(verdict, `refused: ${verdict}`);
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.transition('active');
    this.activeSince = Date.now();
    this.lastFrameAt = this.activeSince;
    this.pingTimer = setInterval(() => this.ping(), this.cfg.pingIntervalMs);
    this.armReadTimer(this.cfg.idleTimeoutMs);
    this.resolveReady();
  }

  /**
   * The per-frame read deadline (geth's frameReadTimeout): the next frame, header and body, must
   * be whole within `idleTimeoutMs` of the end of the last one, however many of its bytes have
   * come. One timer, re-armed lazily for the time left when it fires; frames only move a mark.
   */
  private armReadTimer(ms: number): void {
    this.idleTimer = setTimeout(() => {
      const waited = Date.now() - this.lastFrameAt;
      if (waited >= this.cfg.idleTimeoutMs) {
        this.finish({ reason: DisconnectReason.ReadTimeout, remote: false, error: new TimeoutError('read', this.cfg.idleTimeoutMs) }, true);
      } else {
        this.armReadTimer(this.cfg.idleTimeoutMs - waited);
      }
    }, ms);
  }

  // ---- outbound path --------------------------------------------------------------------

  private sendFrame(code: number, data: Uint8Array): void {
    const payload = this.snappy ? snappyCompress(data) : data;
    const frame = this.codec!.seal(code, payload);
    const queued = this.socket.writableLength;
    if (queued + frame.length > this.cfg.maxWriteBufferBytes && code >= BASE_PROTOCOL_LENGTH) {
      // The frame is sealed (the MAC state moved on), so the stream cannot continue without it.
      const err = new WriteQueueFullError(this.cfg.maxWriteBufferBytes, queued);
      this.finish({ reason: DisconnectReason.NetworkError, remote: false, error: err }, false);
      throw err;
    }
    this.stats.messagesOut++;
    this.write(frame);
  }

  private write(bytes: Uint8Array): void {
    if (this.socket.destroyed) return;
    this.stats.bytesOut += bytes.length;
    this.socket.write(bytes);
    if (this.socket.writableLength > 0 && !this.writeTimer && this.state !== 'closed') this.armWriteTimer();
  }

  private armWriteTimer(): void {
    this.writeProgressMark = this.socket.bytesWritten;
    this.writeTimer = setTimeout(() => {
      this.writeTimer = undefined;
      if (this.socket.writableLength === 0 || this.state === 'closed') return;
      if (this.socket.bytesWritten > this.writeProgressMark) {
        this.armWriteTimer();
        return;
      }
      this.finish({ reason: DisconnectReason.NetworkError, remote: false, error: new TimeoutError('write', this.cfg.writeTimeoutMs) }, false);
    }, this.cfg.writeTimeoutMs);
  }

  private clearWriteTimer(): void {
    if (this.socket.writableLength === 0) {
      clearTimeout(this.writeTimer);
      this.writeTimer = undefined;
    }
  }

  // ---- state -----------------------------------------------------------------------------

  private transition(next: SessionState): void {
    this.state = next;
  }

  /**
   * The one place a session ends. Records why, clears timers, optionally sends Disconnect,
   * closes the socket (after a bounded linger when a Disconnect is in flight), emits 'close'
   * once, and rejects `ready` with a typed error if the session never became active.
   */
  private finish(info: CloseInfo, sendDisconnect = false): void {
    if (this.state === 'closed') return;
    const wasActive = this.state === 'active';
    const canSend = sendDisconnect && this.codec !== undefined && !this.socket.destroyed && (this.state === 'hello' || this.state === 'active');
    if (canSend) {
      try {
        this.sendFrame(BaseCode.Disconnect, encodeDisconnect(info.reason));
      } catch {
        // The socket may already be unwritable; closing is all that is left.
      }
    }
    this.transition('closed');
    this.closeInfo = info;
    clearTimeout(this.handshakeTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.idleTimer);
    clearTimeout(this.writeTimer);
    this.handshakeTimer = this.pingTimer = this.idleTimer = this.writeTimer = undefined;
    if (!this.socket.destroyed) {
      if (canSend) {
        // Half-close and let the peer read our Disconnect and hang up; destroying at once could
        // reset the connection and discard the Disconnect in the peer's receive buffer.
        this.socket.end();
        this.lingerTimer = setTimeout(() => this.socket.destroy(), DISCONNECT_LINGER_MS);
      } else {
        this.socket.destroy();
      }
    }
    if (!wasActive) this.rejectReady(readyError(info));
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

/** The error `ready` rejects with: the typed cause when it is one of ours, else a DisconnectError. */
function readyError(info: CloseInfo): Error {
  const e = info.error;
  if (e instanceof HandshakeError || e instanceof TimeoutError || e instanceof FrameError || e instanceof DisconnectError) return e;
  // Anything else, a DecodeError of the Hello included, is the cause of the close.
  return new DisconnectError(info.reason, info.remote, e);
}
