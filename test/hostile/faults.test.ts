/**
 * Transport faults: peers killed mid-handshake, mid-frame and mid-request, connection resets,
 * half-closed sockets, and a churn of all of them. Each ends in a typed close on our side, a
 * request in flight fails at once as 'disconnected' (not at its timeout), the node keeps
 * serving a well-behaved peer, and once everything is closed no socket or timer is left.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { ethCapabilities } from '../../src/eth/capabilities.js';
import { EthRequestError } from '../../src/eth/errors.js';
import { encodeEthMessage } from '../../src/eth/messages/index.js';
import { EthPeer } from '../../src/eth/peer.js';
import { dial } from '../../src/rlpx/connect.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import { DisconnectError } from '../../src/rlpx/errors.js';
import { InitiatorHandshake } from '../../src/rlpx/handshake.js';
import type { CloseInfo } from '../../src/rlpx/session.js';
import type { Peer } from '../../src/server/peer.js';
import type { Protocol } from '../../src/server/protocol.js';
import { Server } from '../../src/server/server.js';
import { EthService } from '../../src/sync/node/eth-service.js';
import { helloPayload, rawHandshake, sendFrame } from '../support/raw-peer.js';
import { expectNoLeaks, goodClient, openResources, rawEthClient, sleep, startEthNode, stillServes, tcp, testChain, waitFor, type Cleanup, type EthNode } from './support.js';

const cleanups: Cleanup[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function closeAll(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!();
}

function nextRemoved(node: EthNode): Promise<{ peer: Peer; info: CloseInfo }> {
  return new Promise((r) => node.server.once('peer:removed', (peer, info) => r({ peer, info })));
}

function nextInboundFailure(node: EthNode): Promise<Error> {
  return new Promise((r) => {
    const on = (dir: string, err: Error) => {
      if (dir !== 'inbound') return;
      node.server.off('connection:failed', on);
      r(err);
    };
    node.server.on('connection:failed', on);
  });
}

describe('transport faults', () => {
  it('a peer killed mid-handshake (half an auth, then a FIN or a reset) is a typed NetworkError; nothing leaks', async () => {
    const before = openResources();
    const node = await startEthNode(cleanups);
    for (const kill of ['destroy', 'resetAndDestroy'] as const) {
      const failure = nextInboundFailure(node);
      const s = await tcp(node.port, cleanups);
      const auth = new InitiatorHandshake(generatePrivateKey(), node.publicKey).authPacket;
      s.write(auth.subarray(0, auth.length >> 1));
      await sleep(20);
      s[kill]();
      const err = await failure;
      expect(err).toBeInstanceOf(DisconnectError);
      expect((err as DisconnectError).reason).toBe(DisconnectReason.NetworkError);
    }
    await stillServes(await goodClient(node, cleanups));
    await closeAll();
    await expectNoLeaks(before);
  });

  it('a peer killed mid-frame is removed with NetworkError; the partial frame is dropped', async () => {
    const before = openResources();
    const node = await startEthNode(cleanups);
    const good = await goodClient(node, cleanups);
    const raw = await rawHandshake(node.port, node.publicKey);
    cleanups.push(() => void raw.socket.destroy());
    sendFrame(raw, 0, helloPayload(raw, [{ name: 'eth', version: 69 }]));
    await waitFor(() => node.server.peers.length === 2);
    const removed = nextRemoved(node);
    // The first 100 bytes of a 64 KiB frame: a valid header, a body that never completes.
    raw.socket.write(raw.codec!.seal(0x10, new Uint8Array(64 * 1024)).subarray(0, 100));
    await sleep(20);
    raw.socket.destroy();
    const { info } = await removed;
    expect(info).toMatchObject({ reason: DisconnectReason.NetworkError, remote: true });
    await stillServes(good);
    await closeAll();
    await expectNoLeaks(before);
  });

  it('a connection reset on an active peer is a NetworkError (ECONNRESET) on our side', async () => {
    const node = await startEthNode(cleanups);
    const good = await goodClient(node, cleanups);
    const raw = await rawEthClient(node, cleanups);
    await waitFor(() => node.server.peers.length === 2);
    const removed = nextRemoved(node);
    raw.socket.resetAndDestroy();
    const { info } = await removed;
    expect(info).toMatchObject({ reason: DisconnectReason.NetworkError, remote: true });
    await stillServes(good);
  });

  it('a half-closed socket (FIN without Disconnect) ends the session and is closed on our side too', async () => {
    const before = openResources();
    const node = await startEthNode(cleanups);
    const raw = await rawEthClient(node, cleanups);
    await waitFor(() => node.server.peers.length === 1);
    const serverSide = node.server.peers[0]!.session;
    const removed = nextRemoved(node);
    raw.socket.end(); // half-close: we can still write to it, it can still read
    const { info } = await removed;
    expect(info).toMatchObject({ reason: DisconnectReason.NetworkError, remote: true });
    await waitFor(() => serverSide.socket.destroyed, 2_000, 'our socket closed');
    await closeAll();
    await expectNoLeaks(before);
  });

  it('a peer killed while our request is in flight: the request fails at once as disconnected', async () => {
    // A server whose eth handler holds every message for a while, so the request stays in flight.
    const chain = testChain();
    const eth = new EthService({ network: chain.network, chain: chain.chain });
    const slow = (p: Protocol): Protocol => ({
      ...p,
      create: (peer) => {
        const h = p.create(peer);
        return { handle: async (code, data) => (code === 0 ? h.handle(code, data) : sleep(300).then(() => h.handle(code, data))), ...(h.close ? { close: (i: CloseInfo) => h.close!(i) } : {}) };
      },
    });
    const server = new Server({ privateKey: generatePrivateKey(), protocols: eth.protocols().map(slow), listen: { host: '127.0.0.1', port: 0 } });
    await server.start();
    cleanups.push(() => server.stop());
    const e = parseEnode(server.enode);
    const session = await dial({ publicKey: e.publicKey, host: '127.0.0.1', port: e.tcpPort }, { privateKey: generatePrivateKey(), capabilities: ethCapabilities() });
    cleanups.push(() => session.disconnect());
    const peer = await EthPeer.connect(session, { network: chain.network, chain: chain.chain });
    const request = peer.getBlockHeaders({ origin: { number: 1n }, amount: 8n }, { timeoutMs: 60_000 });
    await sleep(50);
    server.peers[0]!.session.socket.resetAndDestroy(); // the serving side dies mid-request
    const err = await request.then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(err).toBeInstanceOf(EthRequestError);
    expect((err as EthRequestError).reason).toBe('disconnected');
    expect(peer.inFlight).toBe(0);
  });

  it('a serving node survives its client dying while the answer is being written', async () => {
    const node = await startEthNode(cleanups);
    const good = await goodClient(node, cleanups);
    for (let i = 0; i < 10; i++) {
      const raw = await rawEthClient(node, cleanups);
      const hashes = testChain().blocks.slice(1).map((b) => b.header.hash);
      const m = encodeEthMessage(69, { name: 'GetBlockBodies', value: { requestId: 1n, hashes } });
      raw.send('eth', m.code, m.data);
      raw.socket.destroy(); // gone before the bodies go out
    }
    await waitFor(() => node.server.peers.length === 1, 5_000, 'dead clients removed');
    await stillServes(good);
  });

  it('a churn of 60 peers killed at random points (TCP connect, auth, Hello, Status, active) leaves no leaks', async () => {
    const before = openResources();
    const node = await startEthNode(cleanups, { maxPendingPeers: 100, maxPeers: 100, session: { handshakeTimeoutMs: 2_000 } });
    const good = await goodClient(node, cleanups);
    const runs: Promise<void>[] = [];
    for (let i = 0; i < 60; i++) {
      runs.push(
        (async () => {
          const stage = i % 5;
          if (stage <= 1) {
            const s = await tcp(node.port, cleanups);
            if (stage === 1) s.write(new InitiatorHandshake(generatePrivateKey(), node.publicKey).authPacket.subarray(0, 50 + i));
            await sleep(i * 3);
            if (i % 2) s.resetAndDestroy();
            else s.destroy();
            return;
          }
          const session = await dial({ publicKey: node.publicKey, host: '127.0.0.1', port: node.port }, { privateKey: generatePrivateKey(), capabilities: ethCapabilities() }).catch(() => undefined);
          if (!session) return;
          if (stage >= 3) {
            const chain = testChain();
            const p = await EthPeer.connect(session, { network: chain.network, chain: chain.chain }).catch(() => undefined);
            if (p && stage === 4) void p.getBlockHeaders({ origin: { number: 0n }, amount: 64n }).catch(() => undefined);
          }
          await sleep(i * 2);
          if (i % 2) session.socket.resetAndDestroy();
          else session.socket.destroy();
        })(),
      );
    }
    await Promise.all(runs);
    await waitFor(() => node.server.peers.length === 1, 10_000, 'only the good peer left');
    await stillServes(good);
    await closeAll();
    await expectNoLeaks(before);
  });
});
