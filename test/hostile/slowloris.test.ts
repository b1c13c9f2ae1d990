/**
 * Slowloris: peers that send one byte at a time to hold a connection open. The handshake
 * deadline counts from the TCP accept and is not moved by incoming bytes, so a trickle is cut
 * off at it, during the ECIES packets and during Hello alike, and a trickle of many
 * connections holds at most the pending-handshake slots, and only until that deadline. Once
 * active, the read deadline is per frame, so a trickled frame is cut off too. The node keeps
 * serving a well-behaved peer throughout. (Configured timeouts are short here; the
 * 5 s default is checked in limits.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import { TimeoutError } from '../../src/rlpx/errors.js';
import { InitiatorHandshake } from '../../src/rlpx/handshake.js';
import { decodeDisconnect } from '../../src/rlpx/hello.js';
import { RlpxListener } from '../../src/rlpx/listener.js';
import type { CloseInfo, Session } from '../../src/rlpx/session.js';
import { helloPayload, rawHandshake } from '../support/raw-peer.js';
import type { Socket } from 'node:net';
import { expectNoLeaks, goodClient, openResources, sleep, startEthNode, stillServes, tcp, waitFor, type Cleanup } from './support.js';

const cleanups: Cleanup[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Writes `bytes` one at a time every `everyMs` until the socket closes; returns how many went out. */
async function trickle(socket: Socket, bytes: Uint8Array, everyMs: number): Promise<number> {
  let sent = 0;
  while (sent < bytes.length && !socket.destroyed && socket.writable) {
    socket.write(bytes.subarray(sent, sent + 1));
    sent++;
    await sleep(everyMs);
  }
  return sent;
}

describe('slowloris', () => {
  it('one byte per second of auth is cut off at the handshake deadline; others are served meanwhile', async () => {
    const node = await startEthNode(cleanups, { session: { handshakeTimeoutMs: 2_500 } });
    const failures: Error[] = [];
    node.server.on('connection:failed', (dir, err) => dir === 'inbound' && failures.push(err));
    const socket = await tcp(node.port, cleanups);
    const auth = new InitiatorHandshake(generatePrivateKey(), node.publicKey).authPacket;
    const sending = trickle(socket, auth, 1_000);
    // While the trickle runs, a good peer connects and is served.
    const good = await goodClient(node, cleanups);
    await stillServes(good);
    const sent = await sending;
    expect(sent).toBeGreaterThanOrEqual(2); // bytes kept coming...
    expect(sent).toBeLessThan(auth.length); // ...and the connection was cut anyway
    await waitFor(() => failures.length === 1, 5_000, 'inbound failure');
    expect(failures[0]).toBeInstanceOf(TimeoutError);
    expect((failures[0] as TimeoutError).phase).toBe('handshake');
    await stillServes(good);
  });

  it('one byte per 200 ms of Hello, after a fast ECIES handshake, is cut off at the same deadline with ReadTimeout', async () => {
    const privateKey = generatePrivateKey();
    const listener = new RlpxListener({ privateKey, capabilities: [{ name: 'eth', version: 69, length: 18 }], handshakeTimeoutMs: 1_500 });
    const port = await listener.listen(0);
    cleanups.push(() => listener.close());
    const failure = new Promise<Error>((r) => listener.once('handshake:failed', r));
    const p = await rawHandshake(port, publicKeyOf(privateKey));
    cleanups.push(() => void p.socket.destroy());
    const hello = p.codec!.seal(0, helloPayload(p, [{ name: 'eth', version: 69 }]));
    const sent = await trickle(p.socket, hello, 200);
    expect(sent).toBeLessThan(hello.length);
    const err = await failure;
    expect(err).toBeInstanceOf(TimeoutError);
    await p.closed;
    // The framing was up, so the node said why before closing.
    expect(p.frames.filter((f) => f.code === 1).map((f) => decodeDisconnect(f.data))).toEqual([DisconnectReason.ReadTimeout]);
  });

  it('many slow connections hold at most maxPendingPeers slots, and only until the deadline', async () => {
    const before = openResources();
    const node = await startEthNode(cleanups, { maxPendingPeers: 4, session: { handshakeTimeoutMs: 1_500 } });
    const sockets = await Promise.all(Array.from({ length: 7 }, () => tcp(node.port, cleanups)));
    for (const s of sockets) s.write(Uint8Array.of(0x01)); // one byte each, then nothing
    await waitFor(() => node.server.stats.inboundRefused.pending === 3, 5_000, 'three refused as pending');
    // Once the deadline passes, the slots are free again and a good peer gets in.
    await waitFor(() => sockets.every((s) => s.destroyed || s.readableEnded), 5_000, 'slow sockets closed');
    const good = await goodClient(node, cleanups);
    await stillServes(good);
    while (cleanups.length) await cleanups.pop()!();
    await expectNoLeaks(before);
  });

  // As geth (frameReadTimeout, 30 s), the read deadline is per frame: a frame must arrive whole
  // within the timeout of the previous one, so bytes that trickle in do not keep the slot.
  it('a frame trickled one byte at a time after Hello is cut off by the read timeout (as geth)', async () => {
    const privateKey = generatePrivateKey();
    const listener = new RlpxListener({ privateKey, capabilities: [{ name: 'eth', version: 69, length: 18 }], idleTimeoutMs: 800, pingIntervalMs: 60_000 });
    const port = await listener.listen(0);
    cleanups.push(() => listener.close());
    const active = new Promise<Session>((r) => listener.once('session', r));
    const p = await rawHandshake(port, publicKeyOf(privateKey));
    cleanups.push(() => void p.socket.destroy());
    p.socket.write(p.codec!.seal(0, helloPayload(p, [{ name: 'eth', version: 69 }])));
    const s = await active;
    let info: CloseInfo | undefined;
    s.once('close', (i) => (info = i));
    const frame = p.codec!.seal(0x10, new Uint8Array(4096));
    // 16 bytes every 200 ms: well inside the idle timeout each time, never a whole frame.
    for (let i = 0; i < 20 && info === undefined; i++) {
      p.socket.write(frame.subarray(i * 16, (i + 1) * 16));
      await sleep(200);
    }
    expect(info?.reason).toBe(DisconnectReason.ReadTimeout);
  });
});
