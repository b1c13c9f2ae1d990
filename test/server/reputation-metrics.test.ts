import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { dial, DialError } from '../../src/rlpx/connect.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import type { CloseInfo, Session } from '../../src/rlpx/session.js';
import { Server } from '../../src/server/server.js';
import { Reputation, BAN_THRESHOLD, PENALTIES } from '../../src/server/reputation.js';
import { serveMetrics, serverMetrics } from '../../src/server/metrics.js';
import type { Protocol } from '../../src/server/protocol.js';
import { connectionFailureKind } from '../../src/server/connection-failure.js';
import { DisconnectError, HandshakeError, TimeoutError } from '../../src/rlpx/errors.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** strict/1: code 0 is fine; code 1 is an "invalid message" that costs reputation. */
const strict: Protocol = {
  name: 'strict',
  version: 1,
  length: 2,
  create: (peer) => ({
    handle(code) {
      if (code === 1) peer.penalize('invalid-message');
    },
  }),
};
const CAPS = [{ name: 'strict', version: 1, length: 2 }];

async function start(): Promise<Server> {
  const s = new Server({ privateKey: generatePrivateKey(), protocols: [strict], listen: { host: '127.0.0.1', port: 0 } });
  await s.start();
  cleanups.push(() => s.stop());
  return s;
}

async function client(s: Server, privateKey = generatePrivateKey()): Promise<Session> {
  const e = parseEnode(s.enode);
  const c = await dial({ publicKey: e.publicKey, host: '127.0.0.1', port: e.tcpPort }, { privateKey, capabilities: CAPS });
  cleanups.push(() => c.disconnect());
  return c;
}

function waitFor(cond: () => boolean, ms = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => (cond() ? resolve() : Date.now() - t0 > ms ? reject(new Error('timeout')) : setTimeout(tick, 10));
    tick();
  });
}

describe('reputation', () => {
  it('scores recover over time and a ban expires', () => {
    let now = 0;
    const r = new Reputation(60_000, () => now);
    expect(r.penalize('a', '1.2.3.4', 'timeout')).toBe(false);
    expect(r.points('a')).toBe(PENALTIES.timeout);
    now += 60_000;
    expect(r.points('a')).toBe(0);
    let banned = false;
    for (let i = 0; i * PENALTIES['protocol-breach'] < BAN_THRESHOLD; i++) banned = r.penalize('a', '1.2.3.4', 'protocol-breach');
    expect(banned).toBe(true);
    expect(r.isBanned('a')).toBe(true);
    expect(r.isBanned(undefined, '1.2.3.4')).toBe(true);
    expect(r.isBanned('b', '127.0.0.1')).toBe(false);
    now += 60_001;
    expect(r.isBanned('a')).toBe(false);
  });

  it('drops and bans a peer whose messages keep failing validation', async () => {
    const s = await start();
    const key = generatePrivateKey();
    const c = await client(s, key);
    await waitFor(() => s.peers.length === 1);
    const closed = new Promise<CloseInfo>((r) => c.once('close', r));
    for (let i = 0; i < 4; i++) c.send('strict', 1, Uint8Array.of(0xc0));
    expect(await closed).toMatchObject({ reason: DisconnectReason.ProtocolBreach, remote: true });
    // The node ID is banned: a new session with the same key is refused after Hello.
    const again = await client(s, key).then(
      (c2) => c2.closeInfo ?? new Promise<CloseInfo>((r) => c2.once('close', r)),
      (err) => err,
    );
    expect(again.reason).toBe(DisconnectReason.UselessPeer);
    // Another node is welcome.
    await client(s);
    await waitFor(() => s.peers.length === 1);
  });
});

describe('metrics', () => {
  const scrape = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

  it('serves peers, connections, traffic and disconnects in Prometheus text format', async () => {
    const s = await start();
    const registry = serverMetrics(s);
    const http = await serveMetrics(registry, '127.0.0.1', 0);
    cleanups.push(() => http.close());
    const c = await client(s);
    await waitFor(() => s.peers.length === 1);
    for (let i = 0; i < 3; i++) c.send('strict', 0, Uint8Array.of(0xc0));
    await waitFor(() => s.peers[0]!.session.stats.messagesIn >= 4);
    let text = await scrape(http.port);
    expect(text).toMatch(/devp2p_peers\{direction="inbound"\} 1/);
    expect(text).toMatch(/devp2p_connections_total\{direction="inbound",outcome="success"\} 1/);
    // strict/1 names no messages: the label is the code.
    expect(text).toMatch(/devp2p_protocol_messages_total\{protocol="strict",message="code_0x00",direction="in"\} 3/);
    expect(text).toMatch(/devp2p_protocol_bytes_total\{protocol="strict",message="code_0x00",direction="in"\} 3/);
    await c.disconnect(DisconnectReason.Requested);
    await waitFor(() => s.peers.length === 0);
    text = await scrape(http.port);
    expect(text).toMatch(/devp2p_disconnects_total\{reason="Requested",side="remote"\} 1/);
    expect((await fetch(`http://127.0.0.1:${http.port}/other`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${http.port}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('attached late, reports what happened before: peers, connections by outcome, traffic by message name, disconnects', async () => {
    const named: Protocol = { ...strict, messageName: (code) => (['Hello', 'Bad'] as const)[code] };
    const s = new Server({ privateKey: generatePrivateKey(), protocols: [named], listen: { host: '127.0.0.1', port: 0 } });
    await s.start();
    cleanups.push(() => s.stop());
    const c = await client(s);
    await waitFor(() => s.peers.length === 1);
    for (let i = 0; i < 5; i++) c.send('strict', 0, Uint8Array.of(0xc0, 0xc0));
    await waitFor(() => s.peers[0]!.session.stats.messagesIn >= 6);
    await c.disconnect(DisconnectReason.TooManyPeers);
    await waitFor(() => s.peers.length === 0);
    const kept = await client(s);
    await waitFor(() => s.peers.length === 1);
    // A dial to a closed port fails as "refused".
    const dead = new Server({ privateKey: generatePrivateKey(), protocols: [named], listen: { host: '127.0.0.1', port: 0 } });
    await dead.start();
    const deadEnode = parseEnode(dead.enode);
    await dead.stop();
    s.addStatic(deadEnode);
    await waitFor(() => s.stats.dialsFailed >= 1);

    // Only now are the metrics attached.
    const text = await serverMetrics(s).metrics();
    expect(text).toMatch(/^devp2p_peers\{direction="inbound"\} 1$/m);
    expect(text).toMatch(/^devp2p_connections_total\{direction="inbound",outcome="success"\} 2$/m);
    expect(text).toMatch(/^devp2p_connections_total\{direction="outbound",outcome="refused"\} [1-9]\d*$/m);
    expect(text).toMatch(/^devp2p_protocol_messages_total\{protocol="strict",message="Hello",direction="in"\} 5$/m);
    expect(text).toMatch(/^devp2p_protocol_bytes_total\{protocol="strict",message="Hello",direction="in"\} 10$/m);
    expect(text).toMatch(/^devp2p_disconnects_total\{reason="TooManyPeers",side="remote"\} 1$/m);
    await kept.disconnect();
  });

  it('two registries on one server both report the same totals (values come from the server, not from events)', async () => {
    const s = await start();
    const a = serverMetrics(s);
    const c = await client(s);
    await waitFor(() => s.peers.length === 1);
    c.send('strict', 0, Uint8Array.of(0xc0));
    await waitFor(() => s.peers[0]!.session.stats.messagesIn >= 2);
    const b = serverMetrics(s);
    const line = /^devp2p_protocol_messages_total\{.*\} \d+$/m;
    expect((await a.metrics()).match(line)?.[0]).toBe((await b.metrics()).match(line)?.[0]);
    // Scraping twice does not double the counters.
    expect((await a.metrics()).match(line)?.[0]).toMatch(/ 1$/);
  });
});

describe('connectionFailureKind', () => {
  it('labels refused and unreachable dials, timeouts, broken handshakes and Disconnects by side and reason', () => {
    expect(connectionFailureKind(new DialError('1.2.3.4:1', 'ECONNREFUSED', 'refused'))).toBe('refused');
    expect(connectionFailureKind(new DialError('1.2.3.4:1', 'EHOSTUNREACH', 'unreachable'))).toBe('unreachable');
    expect(connectionFailureKind(new TimeoutError('handshake', 5000))).toBe('timeout');
    expect(connectionFailureKind(new HandshakeError('bad ack'))).toBe('handshake');
    expect(connectionFailureKind(new DisconnectError(DisconnectReason.TooManyPeers, true))).toBe('remote:TooManyPeers');
    expect(connectionFailureKind(new DisconnectError(DisconnectReason.AlreadyConnected, false))).toBe('local:AlreadyConnected');
    expect(connectionFailureKind(new Error('?'))).toBe('other');
  });
});
