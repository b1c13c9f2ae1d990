import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { RlpxListener } from '../../src/rlpx/listener.js';
import { dial } from '../../src/rlpx/connect.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import { DisconnectError } from '../../src/rlpx/errors.js';
import type { CloseInfo, Session, SessionConfig, SessionMessage } from '../../src/rlpx/session.js';
import type { CapabilityDef } from '../../src/rlpx/capabilities.js';

const ETH69: CapabilityDef = { name: 'eth', version: 69, length: 18 };
const ETH68: CapabilityDef = { name: 'eth', version: 68, length: 17 };
const ETH70: CapabilityDef = { name: 'eth', version: 70, length: 18 };
const SNAP1: CapabilityDef = { name: 'snap', version: 1, length: 8 };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Node {
  config: SessionConfig;
  publicKey: Uint8Array;
  listener: RlpxListener;
  port: number;
  sessions: Session[];
  nextSession(): Promise<Session>;
}

async function startNode(caps: CapabilityDef[], extra: Partial<SessionConfig> = {}): Promise<Node> {
  const privateKey = generatePrivateKey();
  const config: SessionConfig = { privateKey, capabilities: caps, clientId: 'test-node', ...extra };
  const listener = new RlpxListener(config);
  const port = await listener.listen(0);
  const sessions: Session[] = [];
  const waiters: ((s: Session) => void)[] = [];
  listener.on('session', (s) => {
    sessions.push(s);
    waiters.shift()?.(s);
  });
  cleanups.push(() => listener.close());
  return {
    config,
    publicKey: publicKeyOf(privateKey),
    listener,
    port,
    sessions,
    nextSession: () => (sessions.length > waiters.length ? Promise.resolve(sessions[waiters.length]!) : new Promise((r) => waiters.push(r))),
  };
}

async function connectPair(a: Node, b: Node): Promise<[Session, Session]> {
  const inbound = b.nextSession();
  const out = await dial({ publicKey: b.publicKey, host: '127.0.0.1', port: b.port }, a.config);
  cleanups.push(() => out.disconnect());
  return [out, await inbound];
}

function nextMessage(s: Session): Promise<SessionMessage> {
  return new Promise((resolve) => s.once('message', resolve));
}
function nextClose(s: Session): Promise<CloseInfo> {
  return s.closeInfo ? Promise.resolve(s.closeInfo) : new Promise((resolve) => s.once('close', resolve));
}

describe('RLPx sessions over loopback', () => {
  it('completes handshake and Hello when A dials B, and when B dials A', async () => {
    const a = await startNode([ETH69]);
    const b = await startNode([ETH69]);
    for (const [x, y] of [[a, b], [b, a]] as const) {
      const [out, inb] = await connectPair(x, y);
      expect(out.direction).toBe('outbound');
      expect(inb.direction).toBe('inbound');
      expect(out.remoteHello!.publicKey).toEqual(y.publicKey);
      expect(inb.remoteHello!.publicKey).toEqual(x.publicKey);
      expect(inb.remotePublicKey).toEqual(x.publicKey);
      expect(out.remoteHello!.clientId).toBe('test-node');
      expect(out.remoteHello!.protocolVersion).toBe(5);
      expect(out.remoteHello!.listenPort).toBe(y.port);
      expect(out.capabilities).toEqual([{ ...ETH69, offset: 16 }]);
    }
  });

  it('negotiates the highest shared version per name, names in order, offsets from 0x10', async () => {
    const a = await startNode([ETH68, ETH69, SNAP1, { name: 'aaa', version: 2, length: 3 }]);
    const b = await startNode([ETH69, ETH70, SNAP1, { name: 'aaa', version: 2, length: 3 }, { name: 'zzz', version: 1, length: 1 }]);
    const [out, inb] = await connectPair(a, b);
    const expected = [
      { name: 'aaa', version: 2, length: 3, offset: 16 },
      { name: 'eth', version: 69, length: 18, offset: 19 },
      { name: 'snap', version: 1, length: 8, offset: 37 },
    ];
    expect(out.capabilities).toEqual(expected);
    expect(inb.capabilities).toEqual(expected);
    // Messages route by offset to the right capability and relative code.
    const got = nextMessage(inb);
    out.send('snap', 7, Uint8Array.of(0xc1, 0x05));
    const m = await got;
    expect(m.capability).toBe('snap');
    expect(m.code).toBe(7);
    expect(m.data).toEqual(Uint8Array.of(0xc1, 0x05));
  });

  it('compresses with snappy after Hello (wire bytes below payload bytes for compressible data)', async () => {
    const a = await startNode([ETH69]);
    const b = await startNode([ETH69]);
    const [out, inb] = await connectPair(a, b);
    const payload = new Uint8Array(256 * 1024).fill(0xab);
    const before = out.stats.bytesOut;
    const got = nextMessage(inb);
    out.send('eth', 6, payload);
    expect((await got).data).toEqual(payload);
    expect(out.stats.bytesOut - before).toBeLessThan(payload.length / 10);
  });

  it('carries 10 MiB messages both ways intact', async () => {
    const a = await startNode([ETH69]);
    const b = await startNode([ETH69]);
    const [out, inb] = await connectPair(a, b);
    const big = new Uint8Array(randomBytes(10 * 1024 * 1024));
    let got = nextMessage(inb);
    out.send('eth', 4, big);
    expect(Buffer.compare((await got).data, big)).toBe(0);
    got = nextMessage(out);
    inb.send('eth', 4, big);
    expect(Buffer.compare((await got).data, big)).toBe(0);
    expect(inb.stats.messagesIn).toBeGreaterThanOrEqual(2); // Hello + the message
  });

  it('pings on its own schedule and answers pings (keepalive)', async () => {
    const a = await startNode([ETH69], { pingIntervalMs: 50 });
    const b = await startNode([ETH69], { pingIntervalMs: 50 });
    const [out, inb] = await connectPair(a, b);
    const rtts: number[] = [];
    out.on('pong', (ms) => rtts.push(ms));
    inb.on('pong', (ms) => rtts.push(ms));
    await new Promise((r) => setTimeout(r, 400));
    expect(rtts.length).toBeGreaterThanOrEqual(4);
    expect(out.currentState).toBe('active');
  });

  it('ends an idle session with ReadTimeout when the peer stops sending', async () => {
    // b never pings (huge interval) and a expects traffic within 300 ms.
    const a = await startNode([ETH69], { idleTimeoutMs: 300, pingIntervalMs: 60_000 });
    const b = await startNode([ETH69], { pingIntervalMs: 60_000 });
    const [out, inb] = await connectPair(a, b);
    const [oc, ic] = await Promise.all([nextClose(out), nextClose(inb)]);
    expect(oc).toMatchObject({ reason: DisconnectReason.ReadTimeout, remote: false });
    expect(ic).toMatchObject({ reason: DisconnectReason.ReadTimeout, remote: true });
  });

  const reasons = Object.values(DisconnectReason).filter((r): r is DisconnectReason => typeof r === 'number');
  it.each(reasons.map((r) => [r.toString(16).padStart(2, '0'), r] as const))('delivers Disconnect reason 0x%s to the other side', async (_hex, reason) => {
    const a = await startNode([ETH69]);
    const b = await startNode([ETH69]);
    const [out, inb] = await connectPair(a, b);
    const closed = nextClose(inb);
    await out.disconnect(reason);
    const info = await closed;
    expect(info.reason).toBe(reason);
    expect(info.remote).toBe(true);
    expect(info.error).toBeInstanceOf(DisconnectError);
    expect(info.error).toMatchObject({ reason, remote: true, name: 'DisconnectError' });
    // Built without a stack trace (capturing one at every peer-ended session was measurable);
    // the stack is the message line alone.
    expect(info.error!.stack).toBe(`DisconnectError: ${info.error!.message}`);
    expect(Error.stackTraceLimit).toBeGreaterThan(0);
    expect(out.closeInfo).toMatchObject({ reason, remote: false });
    expect(out.socket.destroyed).toBe(true);
  });

  it('refuses a peer with no shared capability: UselessPeer on both sides', async () => {
    const a = await startNode([ETH69]);
    const b = await startNode([SNAP1]);
    const inbound = new Promise<Error>((r) => b.listener.once('handshake:failed', r));
    const err = await dial({ publicKey: b.publicKey, host: '127.0.0.1', port: b.port }, a.config).catch((e) => e);
    expect(err).toBeInstanceOf(DisconnectError);
    expect(err.reason).toBe(DisconnectReason.UselessPeer);
    const e2 = (await inbound) as DisconnectError;
    expect(e2.reason).toBe(DisconnectReason.UselessPeer);
  });

  it('rejects a send on an unnegotiated capability or out-of-range code', async () => {
    const a = await startNode([ETH69]);
    const b = await startNode([ETH69]);
    const [out] = await connectPair(a, b);
    expect(() => out.send('snap', 0, new Uint8Array())).toThrow(/not negotiated/);
    expect(() => out.send('eth', 18, new Uint8Array())).toThrow(/out of range/);
  });

  it('lets a refusing checkHello hook end the session with its reason', async () => {
    const a = await startNode([ETH69]);
    const b = await startNode([ETH69], { checkHello: () => DisconnectReason.TooManyPeers });
    // The dialer may already hold B's Hello when B's Disconnect arrives (as with geth), so its
    // session either fails to open or closes right after: either way with B's reason.
    const out = await dial({ publicKey: b.publicKey, host: '127.0.0.1', port: b.port }, a.config).catch((e: DisconnectError) => e);
    const info = out instanceof DisconnectError ? out : await nextClose(out);
    expect(info.reason).toBe(DisconnectReason.TooManyPeers);
    expect(info.remote).toBe(true);
  });

  it('disconnects with SubprotocolError when a message handler throws', async () => {
    const a = await startNode([ETH69]);
    const b = await startNode([ETH69]);
    const [out, inb] = await connectPair(a, b);
    inb.on('message', () => {
      throw new Error('handler bug');
    });
    const closed = nextClose(out);
    out.send('eth', 1, Uint8Array.of(0xc0));
    expect(await closed).toMatchObject({ reason: DisconnectReason.SubprotocolError, remote: true });
  });

  it('disconnects with SubprotocolError when an async message handler rejects', async () => {
    const a = await startNode([ETH69]);
    const b = await startNode([ETH69]);
    const [out, inb] = await connectPair(a, b);
    inb.on('message', async () => {
      await new Promise((r) => setImmediate(r));
      throw new Error('async handler bug');
    });
    const closed = nextClose(out);
    const ownClose = nextClose(inb);
    out.send('eth', 1, Uint8Array.of(0xc0));
    expect(await closed).toMatchObject({ reason: DisconnectReason.SubprotocolError, remote: true });
    expect((await ownClose).error?.message).toBe('async handler bug');
  });

  it('a dial aborted during the handshake rejects with an AbortError caused by the reason', async () => {
    const accepted: Socket[] = [];
    const silent = createServer((sock) => {
      sock.on('error', () => {});
      sock.resume(); // reads (and drops) the auth, so it sees the dialer hang up
      accepted.push(sock);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(() => {
      for (const sock of accepted) sock.destroy();
      return new Promise<void>((r) => silent.close(() => r()));
    });
    const port = (silent.address() as AddressInfo).port;
    const ac = new AbortController();
    const reason = new Error('user cancelled');
    const dialing = dial({ publicKey: publicKeyOf(generatePrivateKey()), host: '127.0.0.1', port }, { privateKey: generatePrivateKey(), capabilities: [ETH69], clientId: 'x' }, { signal: ac.signal });
    setTimeout(() => ac.abort(reason), 50);
    await expect(dialing).rejects.toMatchObject({ name: 'AbortError', cause: reason });
    // The aborted dial closed its socket: the silent server sees it end.
    await new Promise((r) => (accepted[0]!.closed ? r(undefined) : accepted[0]!.once('close', r)));
    const before = dial({ publicKey: publicKeyOf(generatePrivateKey()), host: '127.0.0.1', port }, { privateKey: generatePrivateKey(), capabilities: [ETH69], clientId: 'x' }, { signal: AbortSignal.abort(reason) });
    await expect(before).rejects.toMatchObject({ name: 'AbortError', cause: reason });
  });

  it('holds messages that arrive before a message listener is attached, and delivers them in order', async () => {
    const a = await startNode([ETH69]);
    const b = await startNode([ETH69]);
    const [out, inb] = await connectPair(a, b);
    for (let i = 0; i < 5; i++) out.send('eth', 2, Uint8Array.of(i));
    out.ping();
    await new Promise((r) => out.once('pong', r)); // the five messages have been processed by now
    const got: number[] = [];
    const all = new Promise<void>((resolve) =>
      inb.on('message', (m) => {
        got.push(m.data[0]!);
        if (got.length === 5) resolve();
      }),
    );
    await all;
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });
});
