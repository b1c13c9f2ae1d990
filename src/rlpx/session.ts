/**
 * An RLPx session over one TCP socket: the ECIES handshake, framing, snappy, and the devp2p
 * base protocol (Hello, Disconnect, Ping/Pong). Sub-protocols send and receive through it by
 * (capability, code); it knows nothing of what their messages mean.
 *
 * States move one way: handshake -> hello -> active -> closed. `transition` and `finish` are the
 * only places that change state, and `finish` clears every timer the session started.
 */
import type { Socket } from 'node:net';
import { TypedEmitter, type EventName, type Listener } from '../common/emitter.js';
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
import { abortError } from '../common/abortable.js';

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
/**
 * geth's frameWriteTimeout: a write to the socket must be taken whole by the kernel within this
 * of its start (the end of the write before it), or the session ends (NetworkError, no
 * Disconnect, as geth). Measured with the socket's write callbacks, which fire only once the
 * kernel has taken the bytes; `socket.bytesWritten` also counts bytes still in Node's buffer.
 */
export const WRITE_TIMEOUT_MS = 20_000;
/**
 * Most bytes handed to the socket at a time. Sealed frames wait in the session's own queue and
 * move to the socket while it holds less than this, so each write the deadline applies to is at
 * most this plus one frame (geth writes one frame at a time, each with its own deadline).
 */
export const SOCKET_WRITE_BATCH = 64 * 1024;
/** How long we wait for our Disconnect to flush before destroying the socket (geth: 1 s). */
export const DISCONNECT_LINGER_MS = 1_000;
/**
 * Hard bound on bytes queued for one peer (the session's queue and the socket's together); a
 * sub-protocol message past it ends the session with {@link WriteQueueFullError}. Room for one
 * 10 MiB eth message and more. Serving stays far below it: eth stops building replies for a
 * peer once its queue passes `eth/peer.ts SERVE_BACKLOG_BYTES`.
 */
export const MAX_WRITE_BUFFER = 32 * 1024 * 1024;
/**
 * Messages that arrive before the application attaches a 'message' listener (e.g. right after
 * Hello, while `dial()`'s promise is still resolving) are held, up to this many bytes, and
 * delivered when a listener is attached. Past the bound the peer is dropped.
 */
export const MAX_HELD_BYTES = 16 * 1024 * 1024;

/** Placeholder left in the outbox where a frame was handed to the socket (frees the frame). */
const EMPTY_FRAME = new Uint8Array(0);

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

/** Byte and message counters of a session (wire bytes, including framing). */
export interface SessionStats {
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
  /** Most bytes ever queued for the peer at once that the kernel had not yet taken. */
  maxQueuedBytes: number;
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
  /** Sealed frames (and handshake packets) not yet handed to the socket, from `outboxHead` on. */
  private outbox: Uint8Array[] = [];
  private outboxHead = 0;
  private outboxBytes = 0;
  /** Writes handed to the socket, and those the kernel has taken whole (their callback fired). */
  private writesDispatched = 0;
  private writesDone = 0;
  /** When the socket's current write started (the previous one ended, or it was idle): the write deadline counts from here. */
  private writeStartedAt = 0;
  /** The write number (1-based, in queue order) of our last Pong; a Ping is answered only once it has left. */
  private lastPongWrite = 0;
  /** Called after each completed write (`drained()` waiters). */
  private readonly writeWaiters = new Set<() => void>();
  /** Who is holding reading paused (see {@link pauseReading}). */
  private readonly readHolds = new Set<string>();
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

  /**
   * Bytes queued for the peer that the kernel has not yet taken: the session's own queue plus
   * the socket's buffer.
   */
  get writableLength(): number {
    return this.outboxBytes + this.socket.writableLength;
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

  /**
   * Resolves once at most `lowWater` bytes (default 0) are queued for the peer
   * ({@link writableLength}), checked as each write completes. Rejects with a DisconnectError if
   * the session closes first, a TimeoutError after `timeoutMs` (default the write timeout), or
   * the signal's reason.
   */
  async drained(opts: { lowWater?: number; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const low = opts.lowWater ?? 0;
    if (this.writableLength <= low || this.state === 'closed') return;
    const timeoutMs = opts.timeoutMs ?? this.cfg.writeTimeoutMs;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.writeWaiters.delete(check);
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
      this.writeWaiters.add(check);
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
    if (this.readHolds.has(holder) || this.state === 'closed') return;
    this.readHolds.add(holder);
    if (this.readHolds.size === 1) this.socket.pause();
  }

  /** Releases `holder`'s hold on reading (see {@link pauseReading}). */
  resumeReading(holder: string): void {
    if (!this.readHolds.delete(holder) || this.readHolds.size > 0 || this.state === 'closed') return;
    this.lastFrameAt = Date.now();
    this.socket.resume();
    // Frames received before the hold are handled next, outside the caller's stack.
    if (this.buf.length > 0) queueMicrotask(() => this.handleInput());
  }

  /** True while some holder keeps reading paused. */
  get readingPaused(): boolean {
    return this.readHolds.size > 0;
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
    this.handleInput();
  }

  /** Handles the frames buffered so far (until reading is held). */
  private handleInput(): void {
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
    while (this.state !== 'closed' && this.readHolds.size === 0) {
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
        // One Pong in the queue at a time: a peer that sends Pings and reads nothing must not
        // queue a Pong per Ping (geth's read loop waits while its Pong is being written).
        if (this.writesDone < this.lastPongWrite) return;
        this.sendFrame(BaseCode.Pong, EMPTY_LIST);
        this.lastPongWrite = this.writesDispatched + (this.outbox.length - this.outboxHead);
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
    while (this.held.length > 0 && (this.state === 'active' || this.state === 'closed') && this.listenerCount('message') > 0) {
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
      if (this.readHolds.size > 0) {
        // We are not reading: no read is in progress to time out (resumeReading restarts it).
        this.armReadTimer(this.cfg.idleTimeoutMs);
        return;
      }
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
    const queued = this.writableLength;
    if (queued + frame.length > this.cfg.maxWriteBufferBytes && code >= BASE_PROTOCOL_LENGTH) {
      // The frame is sealed (the MAC state moved on), so the stream cannot continue without it.
      const err = new WriteQueueFullError(this.cfg.maxWriteBufferBytes, queued);
      this.finish({ reason: DisconnectReason.NetworkError, remote: false, error: err }, false);
      throw err;
    }
    this.stats.messagesOut++;
    this.write(frame);
  }

  /** Queues bytes for the peer and hands what fits to the socket. */
  private write(bytes: Uint8Array): void {
    if (this.socket.destroyed) return;
    this.stats.bytesOut += bytes.length;
    this.outbox.push(bytes);
    this.outboxBytes += bytes.length;
    this.dispatch();
    const queued = this.writableLength;
    if (queued > this.stats.maxQueuedBytes) this.stats.maxQueuedBytes = queued;
  }

  /**
   * Moves queued frames to the socket while it holds less than {@link SOCKET_WRITE_BATCH}
   * bytes (all of them when `all`, to flush before closing), and keeps the write deadline armed
   * while a write is in progress.
   */
  private dispatch(all = false): void {
    while (this.outboxHead < this.outbox.length && (all || this.socket.writableLength < SOCKET_WRITE_BATCH) && !this.socket.destroyed) {
      const frame = this.outbox[this.outboxHead]!;
      this.outbox[this.outboxHead++] = EMPTY_FRAME;
      this.outboxBytes -= frame.length;
      if (this.writesDispatched++ === this.writesDone) this.writeStartedAt = Date.now();
      this.socket.write(frame, this.onWriteDone);
    }
    if (this.outboxHead === this.outbox.length) {
      this.outbox = [];
      this.outboxHead = 0;
    } else if (this.outboxHead > 1024 && this.outboxHead * 2 > this.outbox.length) {
      this.outbox = this.outbox.slice(this.outboxHead);
      this.outboxHead = 0;
    }
    if (this.writesDone < this.writesDispatched && this.writeTimer === undefined && this.state !== 'closed') this.armWriteTimer(this.cfg.writeTimeoutMs);
  }

  /** A socket write completed: the kernel took all of its bytes. */
  private readonly onWriteDone = (err?: Error | null): void => {
    if (err) return; // the socket's 'error' or 'close' ends the session
    this.writesDone++;
    this.writeStartedAt = Date.now();
    if (this.state !== 'closed') this.dispatch();
    for (const w of this.writeWaiters) w();
  };

  /**
   * The write deadline (geth's frameWriteTimeout): the socket's current write must complete
   * within `writeTimeoutMs` of its start. One timer, re-armed lazily for the time left.
   */
  private armWriteTimer(ms: number): void {
    this.writeTimer = setTimeout(() => {
      this.writeTimer = undefined;
      if (this.state === 'closed' || this.writesDone === this.writesDispatched) return;
      const waited = Date.now() - this.writeStartedAt;
      if (waited >= this.cfg.writeTimeoutMs) {
        // As geth: a failed write is a network error, and no Disconnect is sent.
        this.finish({ reason: DisconnectReason.NetworkError, remote: false, error: new TimeoutError('write', this.cfg.writeTimeoutMs) }, false);
      } else {
        this.armWriteTimer(this.cfg.writeTimeoutMs - waited);
      }
    }, ms);
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
        // Everything queued goes to the socket ahead of the Disconnect (its frames are sealed,
        // so the peer's MAC check needs them), bounded by the linger below.
        this.dispatch(true);
        // Half-close and let the peer read our Disconnect and hang up; destroying at once could
        // reset the connection and discard the Disconnect in the peer's receive buffer.
        this.socket.end();
        this.lingerTimer = setTimeout(() => this.socket.destroy(), DISCONNECT_LINGER_MS);
      } else {
        this.socket.destroy();
      }
    }
    this.outbox = [];
    this.outboxHead = this.outboxBytes = 0;
    this.readHolds.clear();
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
