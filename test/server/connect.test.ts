import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { formatEnode, parseEnode } from '../../src/enode/enode-url.js';
import { DialError } from '../../src/rlpx/connect.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import { ConnectError } from '../../src/server/connect-error.js';
import { Server, type ServerConfig } from '../../src/server/server.js';
import type { Peer } from '../../src/server/peer.js';
import type { Protocol } from '../../src/server/protocol.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** echo/1: code 0 is answered with code 1 carrying the same bytes; replies are collected. */
function echoProtocol(replies: Uint8Array[] = []): Protocol {
  return {
    name: 'echo',
    version: 1,
    length: 2,
    create: (peer) => ({
      handle(code, data) {
        if (code === 0) peer.send(1, data);
        else replies.push(data);
      },
    }),
  };
}

async function startServer(cfg: Partial<ServerConfig> = {}, start = true): Promise<Server> {
  const s = new Server({ privateKey: generatePrivateKey(), protocols: [echoProtocol()], listen: { host: '127.0.0.1', port: 0 }, noDial: false, ...cfg });
  if (start) await s.start();
  cleanups.push(() => s.stop());
  return s;
}

async function rawServer(onSocket: (s: Socket) => void): Promise<{ port: number; server: NetServer }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    s.on('error', () => {});
    sockets.push(s);
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { port: (server.address() as AddressInfo).port, server };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('server.connect', () => {
  it('dials an enode once and resolves with the running peer; a second call returns the same peer', async () => {
    const replies: Uint8Array[] = [];
    const a = await startServer({ protocols: [echoProtocol(replies)] });
    const b = await startServer();
    const arrived = new Promise<Peer>((r) => b.once('peer:added', r));
    const peer = await a.connect(b.enode);
    expect(peer.id).toBe(b.id);
    expect(peer.direction).toBe('outbound');
    expect(a.peers).toEqual([peer]);
    expect((await arrived).id).toBe(a.id);
    expect(await a.connect(parseEnode(b.enode))).toBe(peer);
    expect(a.stats.dialsStarted).toBe(1);
    // The protocols run on it: echo answers.
    peer.session.send('echo', 0, Uint8Array.of(0x82, 1, 2));
    await new Promise<void>((resolve) => {
      const t = setInterval(() => replies.length > 0 && (clearInterval(t), resolve()), 5);
    });
    expect([...replies[0]!]).toEqual([0x82, 1, 2]);
  });

  it('a closed port rejects with ConnectError kind dial (cause DialError ECONNREFUSED) and is not redialed', async () => {
    const a = await startServer();
    const { port, server } = await rawServer(() => {});
    await new Promise<void>((r) => server.close(() => r()));
    const target = formatEnode({ publicKey: publicKeyOf(generatePrivateKey()), ip: '127.0.0.1', tcpPort: port, udpPort: port });
    const failed: string[] = [];
    a.on('connection:failed', (_dir, _err, t) => failed.push(t));
    const err = await rejection(a.connect(target));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).kind).toBe('dial');
    expect(err.cause).toBeInstanceOf(DialError);
    expect((err.cause as DialError).code).toBe('ECONNREFUSED');
    expect(failed).toEqual([`127.0.0.1:${port}`]);
    await new Promise((r) => setTimeout(r, 200));
    expect(a.stats.dialsStarted).toBe(1);
  });

  it('a peer that answers garbage rejects with kind handshake', async () => {
    const a = await startServer();
    const { port } = await rawServer((s) => s.once('data', () => s.write(randomBytes(300))));
    const err = await rejection(a.connect({ publicKey: publicKeyOf(generatePrivateKey()), ip: '127.0.0.1', tcpPort: port, udpPort: 0 }));
    expect(err).toMatchObject({ name: 'ConnectError', kind: 'handshake' });
  });

  it('a full remote refuses with TooManyPeers: kind refused, remote, with the reason', async () => {
    const a = await startServer();
    const b = await startServer({ maxPeers: 0 });
    const err = (await rejection(a.connect(b.enode))) as ConnectError;
    expect(err).toBeInstanceOf(ConnectError);
    expect(err.kind).toBe('refused');
    expect(err.remote).toBe(true);
    expect(err.disconnectReason).toBe(DisconnectReason.TooManyPeers);
  });

  it('our own limits refuse locally: connecting to ourselves is refused with Self', async () => {
    const a = await startServer();
    const err = (await rejection(a.connect(a.enode))) as ConnectError;
    expect(err.kind).toBe('refused');
    expect(err.remote).toBe(false);
    expect(err.disconnectReason).toBe(DisconnectReason.Self);
  });

  it('an abort rejects with an AbortError whose cause is the reason, before or during the dial', async () => {
    const a = await startServer();
    const { port } = await rawServer((s) => s.resume()); // accepts, never answers
    const node = { publicKey: publicKeyOf(generatePrivateKey()), ip: '127.0.0.1', tcpPort: port, udpPort: 0 };
    const reason = new Error('caller gave up');
    const ac = new AbortController();
    const p = a.connect(node, { signal: ac.signal });
    setTimeout(() => ac.abort(reason), 30);
    expect(await rejection(p)).toMatchObject({ name: 'AbortError', cause: reason });
    expect(await rejection(a.connect(node, { signal: AbortSignal.abort(reason) }))).toMatchObject({ name: 'AbortError', cause: reason });
  });

  it('a server that is not running rejects with kind stopped; stop() during a dial rejects the same way', async () => {
    const idle = await startServer({}, false);
    const b = await startServer();
    expect(await rejection(idle.connect(b.enode))).toMatchObject({ name: 'ConnectError', kind: 'stopped' });
    const a = await startServer();
    const { port } = await rawServer((s) => s.resume());
    const p = a.connect({ publicKey: publicKeyOf(generatePrivateKey()), ip: '127.0.0.1', tcpPort: port, udpPort: 0 });
    setTimeout(() => void a.stop(), 30);
    expect(await rejection(p)).toMatchObject({ name: 'ConnectError', kind: 'stopped' });
  });
});
