import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { parseEnode, type Enode } from '../../src/enode/enode-url.js';
import { dial } from '../../src/rlpx/connect.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import { DisconnectError } from '../../src/rlpx/errors.js';
import type { CloseInfo, Session } from '../../src/rlpx/session.js';
import { Server, type ServerConfig } from '../../src/server/server.js';
import { DEFAULT_CLIENT_ID } from '../../src/common/client-id.js';
import type { Peer } from '../../src/server/peer.js';
import type { Protocol, ProtocolPeer } from '../../src/server/protocol.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** echo/1: code 0 is answered with code 1 carrying the same bytes; code 2 makes the handler throw. */
function echoProtocol(log: string[] = []): Protocol {
  return {
    name: 'echo',
    version: 1,
    length: 3,
    create: (peer: ProtocolPeer) => ({
      handle(code, data) {
        log.push(`echo:${code}`);
        if (code === 0) peer.send(1, data);
        if (code === 2) throw new Error('echo handler failure');
      },
    }),
  };
}

/** count/1: a second protocol on the same session; answers code 0 with how many it has seen. */
function countProtocol(): Protocol {
  return {
    name: 'count',
    version: 1,
    length: 2,
    create: (peer) => {
      let n = 0;
      return {
        async handle(code) {
          await new Promise((r) => setImmediate(r)); // async handlers are awaited in order
          if (code === 0) peer.send(1, Uint8Array.of(++n));
        },
      };
    },
  };
}

async function startServer(cfg: Partial<ServerConfig> = {}): Promise<Server> {
  const s = new Server({ privateKey: generatePrivateKey(), protocols: [echoProtocol()], listen: { host: '127.0.0.1', port: 0 }, ...cfg });
  await s.start();
  cleanups.push(() => s.stop());
  return s;
}

function enodeOf(s: Server): Enode {
  return parseEnode(s.enode);
}

async function client(s: Server, opts: { privateKey?: Uint8Array; localAddress?: string; caps?: { name: string; version: number; length: number }[] } = {}): Promise<Session> {
  const e = enodeOf(s);
  const session = await dial(
    { publicKey: e.publicKey, host: '127.0.0.1', port: e.tcpPort },
    { privateKey: opts.privateKey ?? generatePrivateKey(), capabilities: opts.caps ?? [{ name: 'echo', version: 1, length: 3 }] },
    opts.localAddress ? { localAddress: opts.localAddress } : {},
  );
  cleanups.push(() => session.disconnect());
  return session;
}

/** The reason a client was refused: its dial rejects, or its session closes right after Hello. */
async function refusal(p: Promise<Session>): Promise<{ reason: number; remote: boolean }> {
  try {
    const s = await p;
    const info = s.closeInfo ?? (await new Promise<CloseInfo>((r) => s.once('close', r)));
    return info;
  } catch (err) {
    return err as DisconnectError;
  }
}

function waitFor(cond: () => boolean, ms = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() - t0 > ms) return reject(new Error('condition not met in time'));
      setTimeout(tick, 10);
    };
    tick();
  });
}

function nextMessage(s: Session, cap: string, code: number): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const on = (m: { capability: string; code: number; data: Uint8Array }) => {
      if (m.capability === cap && m.code === code) {
        s.off('message', on);
        resolve(m.data);
      }
    };
    s.on('message', on);
  });
}

describe('server', () => {
  it('multiplexes two protocols on one session, each handler in order', async () => {
    const b = await startServer({ protocols: [echoProtocol(), countProtocol()] });
    const a = await startServer({ protocols: [echoProtocol(), countProtocol()], staticNodes: [enodeOf(b)] });
    await waitFor(() => a.peers.length === 1 && b.peers.length === 1);
    const pa = a.peers[0]!;
    expect(pa.session.capabilities.map((c) => `${c.name}/${c.version}@${c.offset}`)).toEqual(['count/1@16', 'echo/1@18']);
    const echoed = nextMessage(pa.session, 'echo', 1);
    pa.session.send('echo', 0, Uint8Array.of(0xc2, 1, 2));
    expect(await echoed).toEqual(Uint8Array.of(0xc2, 1, 2));
    const counts: number[] = [];
    const three = new Promise<void>((resolve) => pa.session.on('message', (m) => m.capability === 'count' && counts.push(m.data[0]!) === 3 && resolve()));
    for (let i = 0; i < 3; i++) pa.session.send('count', 0, Uint8Array.of(0xc0));
    await three;
    expect(counts).toEqual([1, 2, 3]);
    const info = b.peerInfos()[0]!;
    expect(info).toMatchObject({ direction: 'inbound', protocols: { echo: 1, count: 1 } });
    expect(info.messagesIn).toBeGreaterThan(3);
    expect(a.peerInfos()[0]).toMatchObject({ direction: 'outbound', static: true });
  });

  it('a failing handler disconnects only its peer, with SubprotocolError', async () => {
    const b = await startServer();
    const good = await client(b);
    const bad = await client(b);
    await waitFor(() => b.peers.length === 2);
    const closed = new Promise<CloseInfo>((r) => bad.once('close', r));
    bad.send('echo', 2, Uint8Array.of(0xc0));
    expect(await closed).toMatchObject({ reason: DisconnectReason.SubprotocolError, remote: true });
    const echoed = nextMessage(good, 'echo', 1);
    good.send('echo', 0, Uint8Array.of(0x05));
    expect(await echoed).toEqual(Uint8Array.of(0x05));
    expect(b.peers.length).toBe(1);
  });

  it('enforces max peers and the inbound share (TooManyPeers)', async () => {
    const b = await startServer({ maxPeers: 3 }); // dial ratio 3: 1 dialed, 2 inbound slots
    await client(b);
    await client(b);
    await waitFor(() => b.peers.length === 2);
    const r = await refusal(client(b));
    expect(r).toMatchObject({ reason: DisconnectReason.TooManyPeers, remote: true });
    expect(b.stats.refusedAfterHello.TooManyPeers).toBe(1);
  });

  it('trusted peers bypass the limits', async () => {
    const trustedKey = generatePrivateKey();
    const b = await startServer({ maxPeers: 1 }); // 1 dialed slot, 0 inbound slots
    const r = await refusal(client(b));
    expect(r.reason).toBe(DisconnectReason.TooManyPeers);
    b.addTrusted({ publicKey: publicKeyOf(trustedKey), ip: '127.0.0.1', tcpPort: 1, udpPort: 1 });
    const t = await client(b, { privateKey: trustedKey });
    await waitFor(() => b.peers.length === 1);
    expect(t.currentState).toBe('active');
    expect(b.peerInfos()[0]!.trusted).toBe(true);
  });

  it('dials no more than its outbound share from discovery (dial ratio)', async () => {
    const targets = await Promise.all(Array.from({ length: 5 }, () => startServer()));
    async function* discovery() {
      for (const t of targets) yield { ...enodeOf(t) };
    }
    const a = await startServer({ maxPeers: 6, discovery: discovery() }); // 6 / 3 = 2 dialed
    let most = 0;
    a.on('peer:added', () => (most = Math.max(most, a.counts().outbound)));
    await waitFor(() => a.counts().outbound === 2 && a.counts().dialing === 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(a.counts().outbound).toBe(2);
    expect(most).toBe(2);
    // It dials at most 2x its free outbound slots at once, as geth does.
    expect(a.stats.dialsStarted).toBeLessThanOrEqual(4);
  });

  it('refuses duplicate sessions (AlreadyConnected) and itself (Self), and never dials itself', async () => {
    const key = generatePrivateKey();
    const b = await startServer();
    await client(b, { privateKey: key });
    await waitFor(() => b.peers.length === 1);
    expect((await refusal(client(b, { privateKey: key }))).reason).toBe(DisconnectReason.AlreadyConnected);
    const bKey = generatePrivateKey();
    const self = await startServer({ privateKey: bKey });
    self.addStatic(enodeOf(self));
    await new Promise((r) => setTimeout(r, 200));
    expect(self.stats.dialsStarted).toBe(0);
    expect((await refusal(client(self, { privateKey: bKey }))).reason).toBe(DisconnectReason.Self);
  });

  it('limits pending inbound handshakes', async () => {
    const b = await startServer({ maxPendingPeers: 3, session: { handshakeTimeoutMs: 2_000 } });
    const sockets = await Promise.all(
      Array.from({ length: 5 }, () => new Promise<ReturnType<typeof connect>>((resolve) => {
        const s = connect({ host: '127.0.0.1', port: b.port }, () => resolve(s));
        s.on('error', () => {});
      })),
    );
    cleanups.push(async () => sockets.forEach((s) => s.destroy()));
    await waitFor(() => b.stats.inboundRefused.pending === 2);
    await waitFor(() => sockets.filter((s) => s.destroyed || s.readableEnded).length >= 2);
  });

  it('throttles repeated inbound connections from one IP (when LAN is not exempt)', async () => {
    const b = await startServer({ throttleExemptsLan: false });
    await client(b);
    const second = await refusal(client(b));
    expect(second).toMatchObject({ remote: true });
    expect(b.stats.inboundRefused.throttled).toBe(1);
    // A different source address is not throttled.
    await client(b, { localAddress: '127.0.0.2' });
    await waitFor(() => b.peers.length === 2);
  });

  it('honours netrestrict for inbound connections', async () => {
    const b = await startServer({ netrestrict: ['127.0.0.2/32'] });
    await refusal(client(b));
    expect(b.stats.inboundRefused.netrestrict).toBe(1);
    await client(b, { localAddress: '127.0.0.2' });
    await waitFor(() => b.peers.length === 1);
  });

  it('redials a static peer after it disconnects', async () => {
    const b = await startServer();
    const a = await startServer({ staticNodes: [enodeOf(b)] });
    await waitFor(() => a.peers.length === 1 && b.peers.length === 1);
    await b.peers[0]!.disconnect(DisconnectReason.Requested);
    await waitFor(() => a.peers.length === 0);
    await waitFor(() => a.peers.length === 1, 5_000);
    expect(a.stats.dialsSucceeded).toBe(2);
  });

  it('stop() sends ClientQuitting to every peer and emits peer:removed', async () => {
    const b = new Server({ privateKey: generatePrivateKey(), protocols: [echoProtocol()], listen: { host: '127.0.0.1', port: 0 } });
    await b.start();
    const c1 = await client(b);
    const c2 = await client(b);
    await waitFor(() => b.peers.length === 2);
    const removed: CloseInfo[] = [];
    b.on('peer:removed', (_p: Peer, info) => removed.push(info));
    const closes = [c1, c2].map((c) => new Promise<CloseInfo>((r) => c.once('close', r)));
    await b.stop();
    for (const c of await Promise.all(closes)) expect(c).toMatchObject({ reason: DisconnectReason.ClientQuitting, remote: true });
    expect(removed.map((r) => r.reason)).toEqual([DisconnectReason.ClientQuitting, DisconnectReason.ClientQuitting]);
    expect(b.peers.length).toBe(0);
  });

  it('disconnects a peer that does not read (slow reader) with bounded memory', async () => {
    const flood: Protocol = {
      name: 'echo',
      version: 1,
      length: 3,
      create: (peer) => ({
        handle(code) {
          if (code !== 0) return;
          const chunk = new Uint8Array(randomBytes(256 * 1024));
          for (let i = 0; i < 200 && peer.session.currentState === 'active'; i++) {
            try {
              peer.send(1, chunk);
            } catch {
              return; // the session ended itself: write queue bound reached
            }
          }
        },
      }),
    };
    const b = await startServer({ protocols: [flood], session: { maxWriteBufferBytes: 4 * 1024 * 1024, writeTimeoutMs: 500 } });
    const c = await client(b);
    c.socket.pause(); // stop reading
    const removed = new Promise<CloseInfo>((r) => b.once('peer:removed', (_p, info) => r(info)));
    c.send('echo', 0, Uint8Array.of(0xc0));
    const info = await removed;
    expect(info.remote).toBe(false);
    expect(['WriteQueueFullError', 'TimeoutError']).toContain(info.error?.name);
    c.socket.destroy();
  });

  it('listens and dials over IPv6 (::1)', async () => {
    const b = await startServer({ listen: { host: '::1', port: 0 } });
    expect(b.enode).toMatch(/@\[::1\]:\d+$/);
    const a = await startServer({ staticNodes: [parseEnode(b.enode)] });
    await waitFor(() => a.peers.length === 1 && b.peers.length === 1);
    expect(b.peerInfos()[0]!.remoteAddress).toMatch(/^\[::1\]:/);
  });
});

describe('server lifecycle and identity', () => {
  it('starts again after stop(): dials and accepts with a fresh stop signal', async () => {
    const b = await startServer();
    const a = new Server({ privateKey: generatePrivateKey(), protocols: [echoProtocol()], listen: { host: '127.0.0.1', port: 0 } });
    await a.start();
    await a.stop();
    await a.start();
    cleanups.push(() => a.stop());
    a.addStatic(enodeOf(b));
    await waitFor(() => a.peers.length === 1 && b.peers.length === 1);
    expect(a.stats.dialsSucceeded).toBe(1);
    const c = await client(a);
    await waitFor(() => a.peers.length === 2);
    expect(c.currentState).toBe('active');
  });

  it('announces DEFAULT_CLIENT_ID unless configured, like a bare session', async () => {
    const s = await startServer();
    const c = await client(s);
    expect(c.remoteHello?.clientId).toBe(DEFAULT_CLIENT_ID);
    const named = await startServer({ clientId: 'named/v1' });
    expect((await client(named)).remoteHello?.clientId).toBe('named/v1');
  });

  it('shows an IPv4 client of a dual-stack listener by its IPv4 address', async () => {
    const s = await startServer({ listen: { host: '::', port: 0 } });
    const e = enodeOf(s);
    const c = await dial({ publicKey: e.publicKey, host: '127.0.0.1', port: e.tcpPort }, { privateKey: generatePrivateKey(), capabilities: [{ name: 'echo', version: 1, length: 3 }] });
    cleanups.push(() => c.disconnect());
    await waitFor(() => s.peers.length === 1);
    expect(s.peers[0]!.session.socket.remoteAddress).toBe('::ffff:127.0.0.1');
    expect(s.peerInfos()[0]!.enode).toMatch(/@127\.0\.0\.1:\d+$/);
  });
});
