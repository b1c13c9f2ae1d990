/**
 * The RLPx transport of one TCP socket (geth `p2p/rlpx/rlpx.go` Conn): drives the ECIES
 * auth/ack handshake, reads and seals frames, applies snappy once the base protocol turns it on,
 * and writes through a bounded queue under a write deadline; reading can be held paused and runs
 * under a per-frame read deadline. It knows nothing of Hello, Ping or capabilities: every frame
 * goes up to its {@link ConnHandler}, the base-protocol {@link Session}.
 *
 * Over 400 lines on purpose: the read path, write queue and both deadlines share the socket
 * and its counters; a quarter is TSDoc.
 */
import type { Socket } from 'node:net';
import { DisconnectReason } from './disconnect-reason.js';
import { FrameError, HandshakeError, TimeoutError, WriteQueueFullError } from './errors.js';
import { FrameCodec, HEADER_LENGTH, paddedBodyLength } from './frame.js';
import { handshakePacketLength, InitiatorHandshake, isLegacyAuth, LEGACY_AUTH_SIZE, RecipientHandshake } from './handshake.js';
import { BASE_PROTOCOL_LENGTH, BaseCode, MAX_HELLO_SIZE } from './hello.js';
import { ReadBuffer } from './read-buffer.js';
import { snappyCompress, snappyUncompress } from './snappy.js';

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
 * Most bytes handed to the socket at a time. Sealed frames wait in the connection's own queue
 * and move to the socket while it holds less than this, so each write the deadline applies to
 * is at most this plus one frame (geth writes one frame at a time, each with its own deadline).
 */
export const SOCKET_WRITE_BATCH = 64 * 1024;
/**
 * Frames of at most this many bytes queued back to back are joined into one socket write (see
 * `dispatch`); a larger frame is written on its own, as copying it would cost more than the
 * write it saves.
 */
export const COALESCE_FRAME_BYTES = 4096;
/** How long we wait for our Disconnect to flush before destroying the socket (geth: 1 s). */
export const DISCONNECT_LINGER_MS = 1_000;
/**
 * Hard bound on bytes queued for one peer (the connection's queue and the socket's together); a
 * sub-protocol message past it ends the session with {@link WriteQueueFullError}. Room for one
 * 10 MiB eth message and more. Serving stays far below it: eth stops building replies for a
 * peer once its queue passes `eth/serve-queue.ts SERVE_BACKLOG_BYTES`.
 */
export const MAX_WRITE_BUFFER = 32 * 1024 * 1024;

/** Placeholder left in the outbox where a frame was handed to the socket (frees the frame). */
const EMPTY_FRAME = new Uint8Array(0);

/** Byte and message counters of a session (wire bytes, including framing). */
export interface SessionStats {
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
  /** Most bytes ever queued for the peer at once that the kernel had not yet taken. */
  maxQueuedBytes: number;
}

/** What the transport reports to the session above it. */
export interface ConnHandler {
  /** The ECIES handshake is done and frames can be sealed (the session sends its Hello). */
  onHandshake(): void;
  /** A whole frame, decompressed when snappy is on. May throw: the error goes to `onError`. */
  onFrame(code: number, data: Uint8Array): void;
  /** Reading failed: a bad handshake packet, a bad frame, or an error `onFrame` threw. */
  onError(err: Error): void;
  /** The socket failed, ended or closed. */
  onNetworkError(err: Error): void;
  /** A deadline passed: `read` (no whole frame in time) or `write` (the kernel took nothing in time). */
  onTimeout(err: TimeoutError): void;
}

/** Timing and bounds of a connection. */
export interface ConnConfig {
  privateKey: Uint8Array;
  idleTimeoutMs: number;
  writeTimeoutMs: number;
  maxWriteBufferBytes: number;
}

/** One RLPx connection; created by {@link Session}. */
export class RlpxConn {
  /** Set by the session once the remote Hello turned on p2p v5 snappy compression. */
  snappy = false;
  /** True until the remote Hello is read: until then a frame larger than a Hello is refused. */
  expectingHello = true;
  private closed = false;
  private readonly buf = new ReadBuffer();
  private codec?: FrameCodec;
  private pendingFrameSize = -1;
  private remoteKey?: Uint8Array;
  private initiator?: InitiatorHandshake;
  private recipient?: RecipientHandshake;
  /** When the last whole frame was read (or the read deadline started): the read deadline counts from here. */
  private lastFrameAt = 0;
  private idleTimer?: NodeJS.Timeout;
  private writeTimer?: NodeJS.Timeout;
  private lingerTimer?: NodeJS.Timeout;
  /** Sealed frames (and handshake packets) not yet handed to the socket, from `outboxHead` on. */
  private outbox: Uint8Array[] = [];
  private outboxHead = 0;
  private outboxBytes = 0;
  /** Writes handed to the socket, and those the kernel has taken whole (their callback fired). */
  private writesDispatched = 0;
  private completedWrites = 0;
  /** When the socket's current write started (the previous one ended, or it was idle): the write deadline counts from here. */
  private writeStartedAt = 0;
  /** Called after each completed write; only while there are any (most peers never have one). */
  private writeWaiters?: Set<() => void>;
  /** A dispatch of the queue is scheduled for the end of this turn. */
  private dispatchScheduled = false;
  /** Who is holding reading paused (see {@link pauseReading}); only while someone does. */
  private readHolds?: Set<string>;

  constructor(
    readonly socket: Socket,
    private readonly cfg: ConnConfig,
    private readonly stats: SessionStats,
    private readonly handler: ConnHandler,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => handler.onNetworkError(err));
    // Once closed (the session has ended) the peer's FIN and the socket's close report nothing:
    // no error object is built for them (a stack capture each, at every ordinary teardown).
    socket.on('end', () => {
      if (!this.closed) handler.onNetworkError(new Error('connection closed by peer'));
    });
    socket.on('close', () => {
      clearTimeout(this.lingerTimer);
      if (!this.closed) handler.onNetworkError(new Error('socket closed'));
    });
  }

  /** Starts the handshake as initiator: sends auth. Throws HandshakeError for an unusable remote key. */
  startInitiator(remotePublicKey: Uint8Array): void {
    this.remoteKey = remotePublicKey;
    try {
      this.initiator = new InitiatorHandshake(this.cfg.privateKey, remotePublicKey);
    } catch (err) {
      throw new HandshakeError(`bad remote key: ${(err as Error).message}`, err);
    }
    this.write(this.initiator.authPacket);
  }

  /** Waits for auth as recipient. */
  startRecipient(): void {
    this.recipient = new RecipientHandshake(this.cfg.privateKey);
  }

  /** True once the handshake is done and frames can be sealed. */
  get framing(): boolean {
    return this.codec !== undefined;
  }

  /** The remote's 64-byte public key (known after the ECIES handshake; at once for outbound). */
  get remotePublicKey(): Uint8Array | undefined {
    return this.remoteKey;
  }

  /** Bytes queued for the peer that the kernel has not yet taken: our queue plus the socket's buffer. */
  get writableLength(): number {
    return this.outboxBytes + this.socket.writableLength;
  }

  /** Writes the kernel has taken whole. */
  get writesDone(): number {
    return this.completedWrites;
  }

  /** The number (1-based, in queue order) of the last write queued so far. */
  get lastWriteNumber(): number {
    return this.writesDispatched + (this.outbox.length - this.outboxHead);
  }

  /** True while some holder keeps reading paused. */
  get readingPaused(): boolean {
    return this.readHolds !== undefined;
  }

  /** Calls `fn` after each completed write until removed. */
  addWriteWaiter(fn: () => void): void {
    (this.writeWaiters ??= new Set()).add(fn);
  }

  removeWriteWaiter(fn: () => void): void {
    if (this.writeWaiters?.delete(fn) && this.writeWaiters.size === 0) this.writeWaiters = undefined;
  }

  /** Holds reading (see `Session.pauseReading`). */
  pauseReading(holder: string): void {
    if (this.readHolds?.has(holder) || this.closed) return;
    (this.readHolds ??= new Set()).add(holder);
    if (this.readHolds.size === 1) this.socket.pause();
  }

  /** Releases `holder`'s hold on reading; the read deadline restarts in full. */
  resumeReading(holder: string): void {
    if (!this.readHolds?.delete(holder) || this.readHolds.size > 0) return;
    this.readHolds = undefined;
    if (this.closed) return;
    this.lastFrameAt = Date.now();
    this.socket.resume();
    // Frames received before the hold are handled next, outside the caller's stack.
    if (this.buf.length > 0) queueMicrotask(() => this.handleInput());
  }

  /**
   * Seals and queues a frame. A sub-protocol frame that would take the queue past its bound
   * throws {@link WriteQueueFullError} (sealed, so the stream cannot go on: the session ends).
   */
  sendFrame(code: number, data: Uint8Array): void {
    const payload = this.snappy ? snappyCompress(data) : data;
    const frame = this.codec!.seal(code, payload);
    const queued = this.writableLength;
    if (queued + frame.length > this.cfg.maxWriteBufferBytes && code >= BASE_PROTOCOL_LENGTH) {
      throw new WriteQueueFullError(this.cfg.maxWriteBufferBytes, queued);
    }
    this.stats.messagesOut++;
    this.write(frame);
  }

  /**
   * Starts the per-frame read deadline (geth's frameReadTimeout), from now: the next frame,
   * header and body, must be whole within `idleTimeoutMs` of the end of the last one, however
   * many of its bytes have come.
   */
  startReadDeadline(): void {
    this.lastFrameAt = Date.now();
    this.armReadTimer(this.cfg.idleTimeoutMs);
  }

  /**
   * Stops the transport: clears its timers and closes the socket, after flushing the queue and
   * half-closing with a bounded linger when `flush` (a Disconnect is in it), else at once.
   */
  close(flush: boolean): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.writeTimer);
    this.idleTimer = this.writeTimer = undefined;
    if (!this.socket.destroyed) {
      if (flush) {
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
    this.readHolds = undefined;
  }

  // ---- inbound path ---------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.stats.bytesIn += chunk.length;
    this.buf.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.handleInput();
  }

  /** Handles the frames buffered so far (until reading is held). */
  private handleInput(): void {
    try {
      this.process();
    } catch (err) {
      this.handler.onError(err as Error);
    }
  }

  private process(): void {
    while (!this.closed && this.readHolds === undefined) {
      if (this.codec === undefined) {
        if (!this.readHandshakePacket()) return;
        continue;
      }
      const codec = this.codec;
      if (this.pendingFrameSize < 0) {
        if (this.buf.length < HEADER_LENGTH) return;
        const size = codec.openHeader(this.buf.take(HEADER_LENGTH));
        // Before Hello only Hello or Disconnect may come, so a big frame is an attack on memory.
        if (this.expectingHello && size > MAX_HELLO_SIZE + 8) throw new FrameError(`frame of ${size} bytes before Hello exceeds ${MAX_HELLO_SIZE}`);
        this.pendingFrameSize = size;
      }
      const need = paddedBodyLength(this.pendingFrameSize);
      if (this.buf.length < need) return;
      const { code, data } = codec.openBody(this.buf.take(need), this.pendingFrameSize);
      this.pendingFrameSize = -1;
      this.stats.messagesIn++;
      this.handler.onFrame(code, this.snappy ? this.uncompress(code, data) : data);
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
    this.handler.onHandshake();
    return true;
  }

  /**
   * One timer, re-armed lazily for the time left when it fires; frames only move a mark. The
   * callback is a static method given the connection as its argument: a closure per arm would
   * stay on the heap, with its context, for as long as the session idles.
   */
  private armReadTimer(ms: number): void {
    this.idleTimer = setTimeout(RlpxConn.readTimerFired, ms, this);
  }

  private static readTimerFired(conn: RlpxConn): void {
    if (conn.readHolds !== undefined) {
      // We are not reading: no read is in progress to time out (resumeReading restarts it).
      conn.armReadTimer(conn.cfg.idleTimeoutMs);
      return;
    }
    const waited = Date.now() - conn.lastFrameAt;
    if (waited >= conn.cfg.idleTimeoutMs) {
      conn.handler.onTimeout(new TimeoutError('read', conn.cfg.idleTimeoutMs));
    } else {
      conn.armReadTimer(conn.cfg.idleTimeoutMs - waited);
    }
  }

  // ---- outbound path --------------------------------------------------------------------

  /**
   * Queues bytes for the peer; they go to the socket at the end of the current turn, together
   * with every other frame sealed in it (one writev instead of a syscall per frame).
   */
  private write(bytes: Uint8Array): void {
    if (this.socket.destroyed) return;
    this.stats.bytesOut += bytes.length;
    this.outbox.push(bytes);
    this.outboxBytes += bytes.length;
    if (!this.dispatchScheduled) {
      this.dispatchScheduled = true;
      process.nextTick(this.dispatchScheduledWrites);
    }
    const queued = this.writableLength;
    if (queued > this.stats.maxQueuedBytes) this.stats.maxQueuedBytes = queued;
  }

  private readonly dispatchScheduledWrites = (): void => {
    this.dispatchScheduled = false;
    if (!this.closed) this.dispatch();
  };

  /**
   * Moves queued frames to the socket while it holds less than {@link SOCKET_WRITE_BATCH}
   * bytes (all of them when `all`, to flush before closing), and keeps the write deadline armed
   * while a write is in progress. Consecutive frames of up to {@link COALESCE_FRAME_BYTES} are
   * joined into one socket write: a stream write costs a few microseconds of fixed overhead
   * (its queue entry, its callback, a writev slot), copying a small frame far less. The write
   * counters stay per frame, a joined write completing all of its frames at once.
   */
  private dispatch(all = false): void {
    const socket = this.socket;
    // Corked, the writes handed over here leave in one writev when uncorked.
    const cork = this.outbox.length - this.outboxHead > 1 && !socket.destroyed;
    if (cork) socket.cork();
    while (this.outboxHead < this.outbox.length && (all || socket.writableLength < SOCKET_WRITE_BATCH) && !socket.destroyed) {
      const head = this.outboxHead;
      const budget = all ? Infinity : SOCKET_WRITE_BATCH - socket.writableLength;
      let end = head + 1;
      let bytes = this.outbox[head]!.length;
      if (bytes <= COALESCE_FRAME_BYTES) {
        while (end < this.outbox.length && bytes < budget && this.outbox[end]!.length <= COALESCE_FRAME_BYTES) bytes += this.outbox[end++]!.length;
      }
      const count = end - head;
      let chunk = this.outbox[head]!;
      if (count > 1) {
        chunk = new Uint8Array(bytes);
        for (let i = head, at = 0; i < end; i++) {
          chunk.set(this.outbox[i]!, at);
          at += this.outbox[i]!.length;
        }
      }
      for (let i = head; i < end; i++) this.outbox[i] = EMPTY_FRAME;
      this.outboxHead = end;
      this.outboxBytes -= bytes;
      if (this.writesDispatched === this.completedWrites) this.writeStartedAt = Date.now();
      this.writesDispatched += count;
      socket.write(chunk, count === 1 ? this.onWriteDone : (err?: Error | null) => this.writesCompleted(err, count));
    }
    if (cork) socket.uncork();
    if (this.outboxHead === this.outbox.length) {
      this.outbox = [];
      this.outboxHead = 0;
    } else if (this.outboxHead > 1024 && this.outboxHead * 2 > this.outbox.length) {
      this.outbox = this.outbox.slice(this.outboxHead);
      this.outboxHead = 0;
    }
    if (this.completedWrites < this.writesDispatched && this.writeTimer === undefined && !this.closed) this.armWriteTimer(this.cfg.writeTimeoutMs);
  }

  /** A socket write of one frame completed: the kernel took all of its bytes. */
  private readonly onWriteDone = (err?: Error | null): void => this.writesCompleted(err, 1);

  /** A socket write of `frames` frames completed. */
  private writesCompleted(err: Error | null | undefined, frames: number): void {
    if (err) return; // the socket's 'error' or 'close' ends the session
    this.completedWrites += frames;
    this.writeStartedAt = Date.now();
    if (!this.closed) this.dispatch();
    if (this.completedWrites === this.writesDispatched && this.writeTimer !== undefined) {
      // Nothing in flight: no deadline to keep. An idle peer would otherwise hold a live timer
      // for writeTimeoutMs after each Ping and Pong, i.e. always.
      clearTimeout(this.writeTimer);
      this.writeTimer = undefined;
    }
    if (this.writeWaiters) for (const w of this.writeWaiters) w();
  }

  /**
   * The write deadline (geth's frameWriteTimeout): the socket's current write must complete
   * within `writeTimeoutMs` of its start. One timer, re-armed lazily for the time left.
   */
  private armWriteTimer(ms: number): void {
    this.writeTimer = setTimeout(RlpxConn.writeTimerFired, ms, this);
  }

  private static writeTimerFired(conn: RlpxConn): void {
    conn.writeTimer = undefined;
    if (conn.closed || conn.completedWrites === conn.writesDispatched) return;
    const waited = Date.now() - conn.writeStartedAt;
    if (waited >= conn.cfg.writeTimeoutMs) {
      conn.handler.onTimeout(new TimeoutError('write', conn.cfg.writeTimeoutMs));
    } else {
      conn.armWriteTimer(conn.cfg.writeTimeoutMs - waited);
    }
  }
}

/** The close a transport failure means: reason, and whether a Disconnect can still be sent. */
export function closeForTimeout(err: TimeoutError): { reason: DisconnectReason; sendDisconnect: boolean } {
  // A read timeout is told to the peer; a failed write is a network error, and no Disconnect is
  // sent (as geth).
  return err.phase === 'write' ? { reason: DisconnectReason.NetworkError, sendDisconnect: false } : { reason: DisconnectReason.ReadTimeout, sendDisconnect: true };
}
