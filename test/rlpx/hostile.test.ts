import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { DecodeError } from '../../src/common/errors.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { RlpxListener } from '../../src/rlpx/listener.js';
import { dial } from '../../src/rlpx/connect.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import { DisconnectError, FrameError, HandshakeError, ProtocolError, TimeoutError, WriteQueueFullError } from '../../src/rlpx/errors.js';
import { eciesEncrypt } from '../../src/rlpx/ecies.js';
import { decodeDisconnect, encodeHello } from '../../src/rlpx/hello.js';
import type { CloseInfo, Session, SessionConfig } from '../../src/rlpx/session.js';
import { helloPayload, rawConnect, rawHandshake, sendFrame, snappyUncompress, type RawPeer } from '../support/raw-peer.js';

const ETH69 = { name: 'eth', version: 69, length: 18 };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Target {
  listener: RlpxListener;
  port: number;
  publicKey: Uint8Array;
  config: SessionConfig;
  /** The next handshake failure the listener reports. */
  nextFailure(): Promise<Error>;
  nextSession(): Promise<Session>;
}

async function target(extra: Partial<SessionConfig> = {}): Promise<Target> {
  const privateKey = generatePrivateKey();
  const config: SessionConfig = { privateKey, capabilities: [ETH69], handshakeTimeoutMs: 400, ...extra };
  const listener = new RlpxListener(config);
  const port = await listener.listen(0);
  cleanups.push(() => listener.close());
  return {
    listener,
    port,
    config,
    publicKey: publicKeyOf(privateKey),
    nextFailure: () => new Promise((r) => listener.once('handshake:failed', (e) => r(e))),
    nextSession: () => new Promise((r) => listener.once('session', r)),
  };
}

/** The node still serves a well-behaved peer after the hostile one. */
async function stillServes(t: Target): Promise<void> {
  const s = await dial({ publicKey: t.publicKey, host: '127.0.0.1', port: t.port }, { privateKey: generatePrivateKey(), capabilities: [ETH69] });
  expect(s.currentState).toBe('active');
  await s.disconnect();
}

/** Disconnect reasons the node sent to a raw peer (frames are snappy-compressed after Hello). */
function sentReasons(p: RawPeer, compressed: boolean): number[] {
  return p.frames.filter((f) => f.code === 1).map((f) => decodeDisconnect(compressed ? snappyUncompress(f.data) : f.data));
}

async function helloDone(p: RawPeer): Promise<void> {
  sendFrame(p, 0, helloPayload(p, [{ name: 'eth', version: 69 }]));
}

describe('hostile input ends in a typed error and a closed socket', () => {
  it('garbage instead of auth: HandshakeError', async () => {
    const t = await target();
    const failure = t.nextFailure();
    const p = await rawConnect(t.port);
    p.socket.write(Uint8Array.of(0x01, 0x80, ...randomBytes(400)));
    expect(await failure).toBeInstanceOf(HandshakeError);
    await p.closed;
    await stillServes(t);
  });

  it('auth whose size prefix exceeds 2 KiB is refused before it arrives', async () => {
    const t = await target({ handshakeTimeoutMs: 10_000 });
    const failure = t.nextFailure();
    const p = await rawConnect(t.port);
    p.socket.write(Uint8Array.of(0x09, 0x00, ...randomBytes(16)));
    const err = await failure;
    expect(err).toBeInstanceOf(HandshakeError);
    expect(err.message).toMatch(/exceeds 2048/);
    await p.closed;
  });

  it('truncated auth: handshake TimeoutError', async () => {
    const t = await target();
    const failure = t.nextFailure();
    const p = await rawConnect(t.port);
    const full = eciesEncrypt(t.publicKey, randomBytes(200), Uint8Array.of(1, 57));
    p.socket.write(Uint8Array.of(1, 57, ...full.subarray(0, 100)));
    expect(await failure).toBeInstanceOf(TimeoutError);
    await p.closed;
  });

  it('silent peer after TCP connect: handshake TimeoutError', async () => {
    const t = await target();
    const failure = t.nextFailure();
    const p = await rawConnect(t.port);
    const err = (await failure) as TimeoutError;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.phase).toBe('handshake');
    await p.closed;
  });

  it('pre-EIP-8 auth is refused with a clear HandshakeError', async () => {
    const t = await target({ handshakeTimeoutMs: 10_000 });
    const failure = t.nextFailure();
    const p = await rawConnect(t.port);
    // 194-byte legacy plaintext: sig || keccak(eph) || pubkey || nonce || flag.
    p.socket.write(eciesEncrypt(t.publicKey, randomBytes(194)));
    const err = await failure;
    expect(err).toBeInstanceOf(HandshakeError);
    expect(err.message).toMatch(/pre-EIP-8/);
    await p.closed;
  });

  it('ECIES done but no Hello: handshake TimeoutError, Disconnect ReadTimeout sent', async () => {
    const t = await target();
    const failure = t.nextFailure();
    const p = await rawHandshake(t.port, t.publicKey);
    expect(await failure).toBeInstanceOf(TimeoutError);
    await p.closed;
    expect(sentReasons(p, false)).toContain(DisconnectReason.ReadTimeout);
  });

  it('bad header MAC: FrameError', async () => {
    const t = await target();
    const failure = t.nextFailure();
    const p = await rawHandshake(t.port, t.publicKey);
    const frame = p.codec!.seal(0, helloPayload(p, [{ name: 'eth', version: 69 }]));
    frame[20]! ^= 0xff;
    p.socket.write(frame);
    const err = await failure;
    expect(err).toBeInstanceOf(FrameError);
    expect(err.message).toMatch(/header MAC/);
    await p.closed;
  });

  it('bad frame MAC: FrameError', async () => {
    const t = await target();
    const failure = t.nextFailure();
    const p = await rawHandshake(t.port, t.publicKey);
    const frame = p.codec!.seal(0, helloPayload(p, [{ name: 'eth', version: 69 }]));
    frame[frame.length - 1]! ^= 0x01;
    p.socket.write(frame);
    const err = await failure;
    expect(err).toBeInstanceOf(FrameError);
    expect(err.message).toMatch(/frame MAC/);
    await p.closed;
  });

  it('oversized frame before Hello is refused from its header alone', async () => {
    const t = await target({ handshakeTimeoutMs: 10_000 });
    const failure = t.nextFailure();
    const p = await rawHandshake(t.port, t.publicKey);
    const frame = p.codec!.seal(0, new Uint8Array(1 << 20));
    p.socket.write(frame.subarray(0, 32)); // header only: the body never needs to arrive
    const err = await failure;
    expect(err).toBeInstanceOf(FrameError);
    expect(err.message).toMatch(/before Hello/);
    await p.closed;
  });

  it('Hello over 2 KiB: ProtocolBreach', async () => {
    const t = await target();
    const failure = t.nextFailure();
    const p = await rawHandshake(t.port, t.publicKey);
    sendFrame(p, 0, encodeHello({ protocolVersion: 5, clientId: 'x'.repeat(2100), capabilities: [], listenPort: 0, publicKey: p.publicKey }));
    const err = await failure;
    expect(err).toBeInstanceOf(FrameError);
    await p.closed;
  });

  it('Hello that does not decode: ready rejects with DisconnectError(ProtocolBreach), the DecodeError as its cause', async () => {
    const t = await target();
    const failure = t.nextFailure();
    const p = await rawHandshake(t.port, t.publicKey);
    // A capability name of 9 bytes: well-formed RLP, but not a Hello.
    sendFrame(p, 0, encodeHello({ protocolVersion: 5, clientId: 'x', capabilities: [{ name: 'ninebytes', version: 1 }], listenPort: 0, publicKey: p.publicKey }));
    const err = (await failure) as DisconnectError;
    expect(err).toBeInstanceOf(DisconnectError);
    expect(err.reason).toBe(DisconnectReason.ProtocolBreach);
    expect(err.remote).toBe(false);
    expect(err.cause).toBeInstanceOf(DecodeError);
    expect(err.cause).toMatchObject({ what: 'Hello', field: 'capabilities[0].name' });
    await p.closed;
    // The Hello never decoded, so snappy was never switched on: the Disconnect is plain.
    expect(sentReasons(p, false)).toEqual([DisconnectReason.ProtocolBreach]);
  });

  it('Hello with a node ID other than the handshake key: UnexpectedIdentity', async () => {
    const t = await target();
    const failure = t.nextFailure();
    const p = await rawHandshake(t.port, t.publicKey);
    sendFrame(p, 0, helloPayload(p, [{ name: 'eth', version: 69 }], publicKeyOf(generatePrivateKey())));
    const err = (await failure) as DisconnectError;
    expect(err).toBeInstanceOf(DisconnectError);
    expect(err.reason).toBe(DisconnectReason.UnexpectedIdentity);
    await p.closed;
    expect(sentReasons(p, true)).toEqual([DisconnectReason.UnexpectedIdentity]);
  });

  it('Hello with a 65-byte node ID: InvalidIdentity', async () => {
    const t = await target();
    const failure = t.nextFailure();
    const p = await rawHandshake(t.port, t.publicKey);
    sendFrame(p, 0, helloPayload(p, [{ name: 'eth', version: 69 }], new Uint8Array(65).fill(1)));
    expect(((await failure) as DisconnectError).reason).toBe(DisconnectReason.InvalidIdentity);
    await p.closed;
  });

  it('a sub-protocol message before Hello (as geth MaliciousHandshake): ProtocolBreach', async () => {
    const t = await target();
    const failure = t.nextFailure();
    const p = await rawHandshake(t.port, t.publicKey);
    sendFrame(p, 0x10, new Uint8Array(randomBytes(2048)));
    expect(((await failure) as DisconnectError).reason).toBe(DisconnectReason.ProtocolBreach);
    await p.closed;
    await stillServes(t);
  });

  it('snappy length bomb: refused before decompressing', async () => {
    const t = await target();
    const session = t.nextSession();
    const p = await rawHandshake(t.port, t.publicKey);
    await helloDone(p);
    const s = await session;
    const closed = new Promise<CloseInfo>((r) => s.once('close', r));
    // varint 2^25 followed by a few bytes: claims 32 MiB from a 10-byte frame.
    p.socket.write(p.codec!.seal(0x10, Uint8Array.of(0x80, 0x80, 0x80, 0x10, 0, 1, 2, 3)));
    const info = await closed;
    expect(info.error).toBeInstanceOf(FrameError);
    expect(info.error!.message).toMatch(/decoded length 33554432 exceeds 16777215/);
    await p.closed;
  });

  it('message ID outside every capability: closed without a Disconnect (as geth, a read error), ProtocolBreach locally', async () => {
    const t = await target();
    const session = t.nextSession();
    const p = await rawHandshake(t.port, t.publicKey);
    await helloDone(p);
    const s = await session;
    const closed = new Promise<CloseInfo>((r) => s.once('close', r));
    sendFrame(p, 0x10 + 18, Uint8Array.of(0xc0), true);
    const info = await closed;
    expect(info).toMatchObject({ reason: DisconnectReason.ProtocolBreach, remote: false });
    expect(info.error).toBeInstanceOf(ProtocolError);
    await p.closed;
    expect(p.frames.map((f) => f.code)).toEqual([0]); // our Hello, and nothing after it
    expect(sentReasons(p, true)).toEqual([]);
  });

  it('accepts a bare-byte Disconnect reason', async () => {
    const t = await target();
    const session = t.nextSession();
    const p = await rawHandshake(t.port, t.publicKey);
    await helloDone(p);
    const s = await session;
    const closed = new Promise<CloseInfo>((r) => s.once('close', r));
    sendFrame(p, 1, Uint8Array.of(DisconnectReason.TooManyPeers), true);
    expect(await closed).toMatchObject({ reason: DisconnectReason.TooManyPeers, remote: true });
  });

  it('a peer that stops reading: write TimeoutError once writes make no progress', async () => {
    const t = await target({ writeTimeoutMs: 300 });
    const session = t.nextSession();
    const p = await rawHandshake(t.port, t.publicKey);
    await helloDone(p);
    const s = await session;
    p.socket.pause(); // never read again: the kernel buffers fill, then our writes stall
    const closed = new Promise<CloseInfo>((r) => s.once('close', r));
    const chunk = new Uint8Array(randomBytes(512 * 1024)); // incompressible
    for (let i = 0; i < 48 && s.currentState === 'active'; i++) {
      s.send('eth', 6, chunk);
      await new Promise((r) => setImmediate(r));
    }
    const info = await closed;
    expect(info.error).toBeInstanceOf(TimeoutError);
    expect((info.error as TimeoutError).phase).toBe('write');
    expect(s.socket.destroyed).toBe(true);
    p.socket.destroy();
  });

  it('a send past the write-buffer bound: WriteQueueFullError and the session ends', async () => {
    const t = await target({ maxWriteBufferBytes: 2 * 1024 * 1024 });
    const session = t.nextSession();
    const p = await rawHandshake(t.port, t.publicKey);
    await helloDone(p);
    const s = await session;
    p.socket.pause();
    const chunk = new Uint8Array(randomBytes(512 * 1024));
    let thrown: unknown;
    try {
      for (let i = 0; i < 64; i++) s.send('eth', 6, chunk); // synchronous: the socket cannot drain in between
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(WriteQueueFullError);
    expect(s.closeInfo?.error).toBeInstanceOf(WriteQueueFullError);
    expect(s.currentState).toBe('closed');
    p.socket.destroy();
  });
});
