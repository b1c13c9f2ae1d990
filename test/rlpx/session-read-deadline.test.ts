/**
 * The per-frame read deadline of an active session (geth's frameReadTimeout): each frame, header
 * and body, must be whole within `idleTimeoutMs` of the end of the previous frame. Bytes that do
 * not complete a frame do not move the deadline; whole frames (a Ping is enough) do. Real
 * sockets under a fake clock, so the deadline is checked to the millisecond without waiting.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import { TimeoutError } from '../../src/rlpx/errors.js';
import { HEADER_LENGTH } from '../../src/rlpx/frame.js';
import { BaseCode, decodeDisconnect, EMPTY_LIST } from '../../src/rlpx/hello.js';
import { RlpxListener } from '../../src/rlpx/listener.js';
import type { CloseInfo, Session } from '../../src/rlpx/session.js';
import { snappyCompress } from '../../src/rlpx/snappy.js';
import { helloPayload, rawHandshake, snappyUncompress, type RawPeer } from '../support/raw-peer.js';

/** The configured read deadline; a fake clock, so its size costs no time. */
const T = 1_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  while (cleanups.length) await cleanups.pop()!();
});

/** Lets real socket I/O run (the clock is fake) until `cond` holds; bounded. */
async function spin(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error(`${what}: not reached`);
}

/** An active session with a raw peer, the clock faked from before the handshake. */
async function activePair(): Promise<{ session: Session; peer: RawPeer; closeInfo: () => CloseInfo | undefined }> {
  const privateKey = generatePrivateKey();
  // Our pings are pushed out of the way: the peer's own frames are what this file is about.
  const listener = new RlpxListener({ privateKey, capabilities: [{ name: 'eth', version: 69, length: 18 }], idleTimeoutMs: T, pingIntervalMs: 1_000 * T });
  const port = await listener.listen(0);
  cleanups.push(() => {
    vi.useRealTimers();
    return listener.close();
  });
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  let session: Session | undefined;
  listener.once('session', (s) => (session = s));
  const peer = await rawHandshake(port, publicKeyOf(privateKey));
  cleanups.push(() => void peer.socket.destroy());
  peer.socket.write(peer.codec!.seal(BaseCode.Hello, helloPayload(peer, [{ name: 'eth', version: 69 }])));
  await spin(() => session !== undefined, 'session active');
  let info: CloseInfo | undefined;
  session!.once('close', (i) => (info = i));
  return { session: session!, peer, closeInfo: () => info };
}

/** Writes `bytes` and waits until the session has read them. */
async function deliver(s: Session, peer: RawPeer, bytes: Uint8Array): Promise<void> {
  const target = s.stats.bytesIn + bytes.length;
  peer.socket.write(bytes);
  await spin(() => s.stats.bytesIn >= target, 'bytes delivered');
}

/** A sealed Ping as a p2p v5 peer sends it (snappy-compressed, as every message after Hello). */
const ping = (peer: RawPeer) => peer.codec!.seal(BaseCode.Ping, snappyCompress(EMPTY_LIST));

function sentReasons(peer: RawPeer): number[] {
  return peer.frames.filter((f) => f.code === BaseCode.Disconnect).map((f) => decodeDisconnect(snappyUncompress(f.data)));
}

describe('per-frame read deadline', () => {
  it('a frame trickled a byte every tenth of the deadline is cut off at the deadline with ReadTimeout, on one timer', async () => {
    const { session, peer, closeInfo } = await activePair();
    // Registered after the session's own 'close' handler, so it runs once that has cleared up.
    const socketClosed = new Promise<void>((r) => session.socket.once('close', () => r()));
    const frame = peer.codec!.seal(0x10, snappyCompress(new Uint8Array(256)));
    await deliver(session, peer, frame.subarray(0, 1));
    const timers = vi.getTimerCount();
    for (let i = 1; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(T / 10);
      expect(closeInfo(), `closed early, after ${i * 100} ms`).toBeUndefined();
      await deliver(session, peer, frame.subarray(i, i + 1));
    }
    // Bytes kept coming (the old idle timer would never fire), without one timer more per byte.
    expect(vi.getTimerCount()).toBe(timers);
    await vi.advanceTimersByTimeAsync(T / 10);
    await spin(() => closeInfo() !== undefined, 'session closed');
    expect(closeInfo()).toMatchObject({ reason: DisconnectReason.ReadTimeout, remote: false });
    expect(closeInfo()!.error).toBeInstanceOf(TimeoutError);
    expect(closeInfo()!.error).toMatchObject({ phase: 'read', ms: T });
    await peer.closed;
    expect(sentReasons(peer)).toEqual([DisconnectReason.ReadTimeout]);
    // Every session timer is cleared once the socket is gone (the Disconnect linger included).
    await socketClosed;
    expect(vi.getTimerCount()).toBe(0);
  });

  it('whole frames keep the session, a frame split in time counts when it completes, and the deadline runs from the end of the last frame', async () => {
    const { session, peer, closeInfo } = await activePair();
    const pongs = () => peer.frames.filter((f) => f.code === BaseCode.Pong).length;
    // Five Pings, 0.6 T apart: 3 T in all, each within the deadline of the one before.
    for (let i = 1; i <= 5; i++) {
      await vi.advanceTimersByTimeAsync(0.6 * T);
      await deliver(session, peer, ping(peer));
      await spin(() => pongs() === i, `pong ${i}`);
    }
    const timers = vi.getTimerCount();
    // A Ping whose header comes at 0.5 T and body at 0.9 T completes in time and moves the mark.
    const split = ping(peer);
    await vi.advanceTimersByTimeAsync(0.5 * T);
    await deliver(session, peer, split.subarray(0, HEADER_LENGTH));
    await vi.advanceTimersByTimeAsync(0.4 * T);
    await deliver(session, peer, split.subarray(HEADER_LENGTH));
    await spin(() => pongs() === 6, 'pong to the split ping');
    // 0.9 T after that: the next frame's header arrives, but the frame is due at 1 T regardless.
    await vi.advanceTimersByTimeAsync(0.9 * T);
    expect(closeInfo()).toBeUndefined();
    expect(session.currentState).toBe('active');
    expect(vi.getTimerCount()).toBe(timers);
    await deliver(session, peer, ping(peer).subarray(0, HEADER_LENGTH));
    await vi.advanceTimersByTimeAsync(0.1 * T);
    await spin(() => closeInfo() !== undefined, 'session closed');
    expect(closeInfo()).toMatchObject({ reason: DisconnectReason.ReadTimeout, remote: false });
    await peer.closed;
    expect(sentReasons(peer)).toEqual([DisconnectReason.ReadTimeout]);
  });
});
