/**
 * A hand-driven RLPx initiator for the malformed-handshake checks: a bare TCP socket on which
 * a check writes any bytes (a corrupt auth, half an auth, a frame instead of Hello) and then
 * watches whether the node answers and when it closes.
 */
import type { Socket } from 'node:net';
import type { Enode } from '../../enode/enode-url.js';
import { FrameCodec } from '../../rlpx/frame.js';
import { handshakePacketLength, type InitiatorHandshake } from '../../rlpx/handshake.js';
import { connectTcp } from '../../rlpx/connect.js';
import { ReadBuffer } from '../../rlpx/read-buffer.js';
import { CheckFailure } from '../check.js';

export class RawRlpxConn {
  /** Bytes the node sent. */
  readonly received = new ReadBuffer();
  private closed = false;
  private wake?: () => void;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.wake?.();
    });
    // 'end' (the node's FIN) counts as closing: it will send nothing more.
    const onGone = () => {
      this.closed = true;
      this.wake?.();
    };
    socket.on('end', onGone);
    socket.on('close', onGone);
    socket.on('error', onGone);
  }

  /** Opens the TCP connection (no handshake). */
  static async connect(node: Enode, opts: { signal: AbortSignal; timeoutMs: number; localAddress?: string | undefined }): Promise<RawRlpxConn> {
    try {
      return new RawRlpxConn(await connectTcp(node.ip, node.tcpPort, { signal: opts.signal, dialTimeoutMs: opts.timeoutMs, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) }));
    } catch (err) {
      throw new CheckFailure(`cannot connect: ${(err as Error).message}`);
    }
  }

  /** True once the node closed (or reset) the connection. */
  get isClosed(): boolean {
    return this.closed;
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Half-closes our side: the node reads end-of-stream. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Waits until `cond()` holds or the node closes, at most `ms`. */
  private async waitFor(cond: () => boolean, ms: number, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond() && !this.closed && Date.now() < deadline && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.wake = undefined;
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, deadline - Date.now());
        this.wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** Waits for the node to close the connection; true if it did within `ms`. */
  async waitClosed(ms: number, signal: AbortSignal): Promise<boolean> {
    await this.waitFor(() => false, ms, signal);
    return this.closed;
  }

  /**
   * Completes the ECIES handshake begun with `hs` (whose auth was already written): reads the
   * ack and returns the frame codec. Fails if the node closes or sends no ack in time.
   */
  async readAck(hs: InitiatorHandshake, ms: number, signal: AbortSignal): Promise<FrameCodec> {
    let len: number | undefined;
    await this.waitFor(() => (len = this.received.length >= 2 ? handshakePacketLength(this.received.peek(2)) : undefined) !== undefined && this.received.length >= len, ms, signal);
    if (len === undefined || this.received.length < len) throw new CheckFailure(this.closed ? 'node closed the connection instead of sending its ack' : `no ack within ${ms} ms`);
    try {
      return new FrameCodec(hs.readAck(this.received.take(len)));
    } catch (err) {
      throw new CheckFailure(`node's ack is invalid: ${(err as Error).message}`);
    }
  }
}
