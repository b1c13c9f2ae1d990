/**
 * The outbound path of a session: the write deadline (geth's frameWriteTimeout) is measured on
 * what the kernel has taken, so a peer that stops reading is cut however many frames we keep
 * queuing, while a peer that reads slowly, each write finishing in time, is not; no Disconnect
 * goes to a peer cut for not reading (as geth); one Pong at a time; reading held by a protocol
 * stops delivery and the read deadline. Real sockets on loopback; the kernel takes about 4 MiB
 * from a peer that reads nothing, so each test first queues more than that.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import { TimeoutError } from '../../src/rlpx/errors.js';
import { COALESCE_FRAME_BYTES } from '../../src/rlpx/conn.js';
import { BaseCode, decodeDisconnect, EMPTY_LIST } from '../../src/rlpx/hello.js';
import { RlpxListener } from '../../src/rlpx/listener.js';
import type { CloseInfo, Session, SessionConfig } from '../../src/rlpx/session.js';
import { snappyCompress } from '../../src/rlpx/snappy.js';
import { helloPayload, rawHandshake, sendFrame, snappyUncompress, type RawPeer } from '../support/raw-peer.js';

const ETH69 = { name: 'eth', version: 69, length: 18 };
const MiB = 1024 * 1024;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** An active session on our listener with a raw peer on the other end. */
async function activePair(extra: Partial<SessionConfig> = {}): Promise<{ session: Session; peer: RawPeer; closed: Promise<CloseInfo> }> {
  const privateKey = generatePrivateKey();
  const listener = new RlpxListener({ privateKey, capabilities: [ETH69], pingIntervalMs: 600_000, ...extra });
  const port = await listener.listen(0);
  cleanups.push(() => listener.close());
  const next = new Promise<Session>((r) => listener.once('session', r));
  const peer = await rawHandshake(port, publicKeyOf(privateKey));
  cleanups.push(() => void peer.socket.destroy());
  sendFrame(peer, BaseCode.Hello, helloPayload(peer, [{ name: 'eth', version: 69 }]));
  const session = await next;
  return { session, peer, closed: new Promise((r) => (session.closeInfo ? r(session.closeInfo) : session.once('close', r))) };
}

/** Incompressible message bodies (snappy cannot shrink them). */
const noise = (n: number) => new Uint8Array(randomBytes(n));

/** Disconnect reasons among the frames the raw peer has read. */
const disconnects = (p: RawPeer) => p.frames.filter((f) => f.code === BaseCode.Disconnect).map((f) => decodeDisconnect(snappyUncompress(f.data)));

describe('session write path', () => {
  it('cuts a peer that stops reading at the write deadline, though new frames keep being queued', async () => {
    const { session, peer, closed } = await activePair({ writeTimeoutMs: 500 });
    peer.socket.pause(); // reads nothing from here on
    const big = noise(512 * 1024);
    for (let i = 0; i < 12; i++) session.send('eth', 6, big); // 6 MiB: more than the kernel takes
    const stalledFrom = Date.now();
    // A small frame every 20 ms: with progress measured as bytes handed to Node, each of these
    // counted as progress and the deadline never fired.
    const small = noise(4096);
    let info: CloseInfo | undefined;
    void closed.then((i) => (info = i));
    while (info === undefined && Date.now() - stalledFrom < 10_000) {
      session.send('eth', 6, small);
      await sleep(20);
    }
    expect(info?.error).toBeInstanceOf(TimeoutError);
    expect((info!.error as TimeoutError).phase).toBe('write');
    expect(info).toMatchObject({ reason: DisconnectReason.NetworkError, remote: false });
    expect(Date.now() - stalledFrom).toBeLessThan(3_000);
  });

  it('does not cut a peer that reads slowly when each write finishes within the deadline', async () => {
    const { session, peer, closed } = await activePair({ writeTimeoutMs: 2_500 });
    // At most one chunk (<= 64 KiB) per 25 ms: about 2.5 MB/s, so 12 MiB take ~5 s or more; queued
    // all at once, the whole backlog could not be written within 2.5 s, but each 64 KiB batch can
    // (2.5 s rather than 1 s: on a loaded machine with the pure backend, a batch once took > 1 s).
    peer.socket.on('data', () => {
      peer.socket.pause();
      setTimeout(() => peer.socket.resume(), 25);
    });
    const chunk = noise(128 * 1024);
    const frames = 96;
    for (let i = 0; i < frames; i++) session.send('eth', 6, chunk);
    const queuedAtStart = session.writableLength;
    expect(queuedAtStart).toBeGreaterThan(6 * MiB);
    await session.drained({ timeoutMs: 30_000 });
    expect(session.currentState).toBe('active');
    expect(session.stats.maxQueuedBytes).toBeGreaterThanOrEqual(queuedAtStart);
    // Every frame arrived (the raw peer counts them as it reads).
    for (let i = 0; i < 200 && peer.frames.filter((f) => f.code === 0x10 + 6).length < frames; i++) await sleep(25);
    expect(peer.frames.filter((f) => f.code === 0x10 + 6)).toHaveLength(frames);
    void closed;
  });

  it('sends no Disconnect to a peer cut for not reading (as geth: a write error)', async () => {
    const { session, peer, closed } = await activePair({ writeTimeoutMs: 300 });
    peer.socket.pause();
    const big = noise(512 * 1024);
    for (let i = 0; i < 12; i++) session.send('eth', 6, big);
    await closed;
    peer.socket.resume(); // read what the kernel holds: the frames we sent, then the close
    await peer.closed;
    expect(peer.frames.length).toBeGreaterThan(1);
    expect(disconnects(peer)).toEqual([]);
  });

  it('answers one Ping at a time: a peer that sends Pings and reads nothing cannot queue a Pong per Ping', async () => {
    const { session, peer } = await activePair();
    peer.socket.pause();
    const big = noise(512 * 1024);
    for (let i = 0; i < 12; i++) session.send('eth', 6, big); // the kernel is full: nothing more leaves
    const sentBefore = session.stats.messagesOut;
    const pings = 5_000;
    const inBefore = session.stats.messagesIn;
    for (let i = 0; i < pings; i++) peer.socket.write(peer.codec!.seal(BaseCode.Ping, snappyCompress(EMPTY_LIST)));
    for (let i = 0; i < 400 && session.stats.messagesIn < inBefore + pings; i++) await sleep(10);
    expect(session.stats.messagesIn).toBe(inBefore + pings);
    expect(session.stats.messagesOut - sentBefore).toBe(1);
    expect(session.currentState).toBe('active');
  });

  it('a read hold stops delivery and the read deadline; on release both resume', async () => {
    const { session, peer, closed } = await activePair({ idleTimeoutMs: 400 });
    const got: number[] = [];
    session.on('message', (m) => got.push(m.code));
    session.pauseReading('test');
    expect(session.readingPaused).toBe(true);
    sendFrame(peer, 0x10 + 1, snappyCompress(Uint8Array.of(0xc0)));
    await sleep(1_000); // 2.5 read deadlines: none fires while we are not reading
    expect(got).toEqual([]);
    expect(session.currentState).toBe('active');
    session.pauseReading('other');
    session.resumeReading('test'); // another holder still holds it
    await sleep(50);
    expect(got).toEqual([]);
    session.resumeReading('other');
    await sleep(50);
    expect(got).toEqual([1]);
    // Released, the deadline runs again from the release: the silent peer is cut.
    const info = await closed;
    expect(info.reason).toBe(DisconnectReason.ReadTimeout);
  });

  it('drained({ lowWater }) resolves once the queue is down to lowWater, not only when empty', async () => {
    const { session, peer } = await activePair();
    peer.socket.pause();
    const big = noise(512 * 1024);
    for (let i = 0; i < 16; i++) session.send('eth', 6, big);
    // Frames go to the socket at the end of the turn; let the kernel take what fits its buffers.
    await sleep(200);
    const queued = session.writableLength;
    expect(queued).toBeGreaterThan(2 * MiB);
    let resolved = false;
    const waiting = session.drained({ lowWater: queued - MiB, timeoutMs: 10_000 }).then(() => (resolved = true));
    await sleep(200);
    expect(resolved).toBe(false); // nothing leaves while the peer reads nothing
    peer.socket.on('data', () => {
      peer.socket.pause();
      setTimeout(() => peer.socket.resume(), 5);
    });
    peer.socket.resume();
    await waiting;
    expect(session.writableLength).toBeGreaterThan(0);
    expect(session.writableLength).toBeLessThanOrEqual(queued - MiB);
  });

  it('joins frames of up to COALESCE_FRAME_BYTES queued in one turn into one socket write; a larger frame goes alone', async () => {
    const { session, peer } = await activePair();
    const writes: number[] = [];
    const write = session.socket.write.bind(session.socket);
    session.socket.write = ((chunk: Uint8Array, cb?: (err?: Error | null) => void) => {
      writes.push(chunk.length);
      return write(chunk, cb);
    }) as typeof session.socket.write;
    // Incompressible bodies: a sealed frame is the body plus 49-64 bytes of framing.
    const small = Array.from({ length: 20 }, (_, i) => noise(100 + i));
    const atLimit = noise(COALESCE_FRAME_BYTES - 100); // a frame of at most COALESCE_FRAME_BYTES
    const over = noise(COALESCE_FRAME_BYTES); // a frame over it
    for (const m of small.slice(0, 10)) session.send('eth', 6, m);
    session.send('eth', 6, atLimit);
    session.send('eth', 6, over);
    for (const m of small.slice(10)) session.send('eth', 6, m);
    const sent = [...small.slice(0, 10), atLimit, over, ...small.slice(10)];
    for (let i = 0; i < 200 && peer.frames.filter((f) => f.code > 0x0f).length < sent.length; i++) await sleep(10);
    const got = peer.frames.filter((f) => f.code > 0x0f).map((f) => Buffer.from(snappyUncompress(f.data)).toString('hex'));
    expect(got).toEqual(sent.map((m) => Buffer.from(m).toString('hex')));
    // Ten small frames and the one at the limit in one write, the larger frame alone, the rest in one.
    expect(writes.length).toBe(3);
    expect(writes[1]).toBeGreaterThan(COALESCE_FRAME_BYTES);
    expect(writes[0]).toBeLessThanOrEqual(11 * COALESCE_FRAME_BYTES);
  });
});
