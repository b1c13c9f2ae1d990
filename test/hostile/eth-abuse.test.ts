/**
 * Abusive eth peers against a serving node (server + EthService): silence after Hello or after
 * Status, unsolicited responses, request floods from a peer that reads and from one that does
 * not, an oversized message, and over-large queries. Each is cut off (or, for a flood that
 * reads its answers, simply served within the response limits) while a well-behaved peer
 * keeps being served.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { EthProtocolError } from '../../src/eth/errors.js';
import { decodeEthMessage, encodeEthMessage, type EthMessage } from '../../src/eth/messages/index.js';
import { EthMessageCode, MAX_MESSAGE_SIZE } from '../../src/eth/protocol.js';
import { encBytes, encList } from '../../src/common/rlp-encode.js';
import { ethCapabilities } from '../../src/eth/capabilities.js';
import { dial } from '../../src/rlpx/connect.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import type { CloseInfo, Session } from '../../src/rlpx/session.js';
import type { Peer } from '../../src/server/peer.js';
import { PENALTIES } from '../../src/server/reputation.js';
import { closed, goodClient, rawEthClient, sleep, startEthNode, stillServes, testChain, waitFor, type Cleanup, type EthNode } from './support.js';

/** Hashes of blocks the node has bodies for. */
const testHashes = testChain().blocks.slice(1, 33).map((b) => b.header.hash);
const cleanups: Cleanup[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function send(s: Session, m: EthMessage<69>): void {
  const { code, data } = encodeEthMessage(69, m);
  s.send('eth', code, data);
}

/** The next peer the node drops, with why. */
function nextRemoved(node: EthNode): Promise<{ peer: Peer; info: CloseInfo }> {
  return new Promise((r) => node.server.once('peer:removed', (peer, info) => r({ peer, info })));
}

describe('abusive eth peers', () => {
  it('a peer silent after Hello (no Status) is dropped at the Status deadline with ReadTimeout', async () => {
    const node = await startEthNode(cleanups, {}, { handshakeTimeoutMs: 500 });
    const good = await goodClient(node, cleanups);
    const removed = nextRemoved(node);
    // RLPx and Hello complete; eth never speaks.
    const silent = await dial({ publicKey: node.publicKey, host: '127.0.0.1', port: node.port }, { privateKey: generatePrivateKey(), capabilities: ethCapabilities([69]) });
    cleanups.push(() => silent.disconnect());
    const { info } = await removed;
    expect(info).toMatchObject({ reason: DisconnectReason.ReadTimeout, remote: false });
    expect((await closed(silent)).reason).toBe(DisconnectReason.ReadTimeout);
    await stillServes(good);
  });

  it('a peer silent after Status (not even answering pings) is dropped by the idle timeout', async () => {
    const node = await startEthNode(cleanups, { session: { idleTimeoutMs: 800, pingIntervalMs: 200 } });
    const good = await goodClient(node, cleanups);
    const raw = await rawEthClient(node, cleanups);
    await waitFor(() => node.eth.peers.size === 2);
    const removed = nextRemoved(node);
    raw.socket.pause(); // reads nothing, so answers no ping and sends nothing
    const { info } = await removed;
    expect(info).toMatchObject({ reason: DisconnectReason.ReadTimeout, remote: false });
    await stillServes(good);
  });

  it('an unsolicited response is cut off at the first (as geth), charged to the peer, and banned when repeated', async () => {
    const node = await startEthNode(cleanups);
    const good = await goodClient(node, cleanups);
    const key = generatePrivateKey();
    for (let round = 0; round < 2; round++) {
      const raw = await rawEthClient(node, cleanups, [69], key);
      const removed = nextRemoved(node);
      for (let i = 0; i < 200 && raw.currentState === 'active'; i++) {
        send(raw, { name: 'BlockHeaders', value: { requestId: BigInt(1000 + i), headers: [] } });
        if (i % 20 === 0) await sleep(1);
      }
      const { peer, info } = await removed;
      expect(info).toMatchObject({ reason: DisconnectReason.SubprotocolError, remote: false });
      expect(info.error).toBeInstanceOf(EthProtocolError);
      expect((info.error as EthProtocolError).reason).toBe('unsolicited');
      expect(info.error!.message).toMatch(/request 1000,/); // the first one
      expect(node.server.reputation.points(peer.id)).toBeGreaterThanOrEqual(PENALTIES['protocol-breach'] * (round + 1));
    }
    // Two breaches reach the ban threshold: the same node ID is now refused after Hello.
    const again = await dial({ publicKey: node.publicKey, host: '127.0.0.1', port: node.port }, { privateKey: key, capabilities: ethCapabilities([69]) }).then(
      (s) => closed(s),
      (err: unknown) => err as CloseInfo,
    );
    expect(again).toMatchObject({ reason: DisconnectReason.UselessPeer, remote: true });
    await stillServes(good);
  });

  it('a request flood from a peer that reads its answers is served within the response limits, and others still are', async () => {
    const node = await startEthNode(cleanups, {}, { softResponseLimit: 4096 });
    const good = await goodClient(node, cleanups);
    const raw = await rawEthClient(node, cleanups);
    let answered = 0;
    let biggest = 0;
    raw.on('message', (m) => {
      const msg = decodeEthMessage(69, m.code, m.data);
      if (msg.name === 'BlockHeaders') {
        answered++;
        biggest = Math.max(biggest, msg.value.headers.length);
      }
    });
    const N = 2000;
    for (let i = 0; i < N; i++) {
      send(raw, { name: 'GetBlockHeaders', value: { requestId: BigInt(i), origin: { number: 0n }, amount: 2n ** 64n - 1n, skip: 0n, reverse: false } });
      if (i === N / 2) await stillServes(good); // served in the middle of the flood
    }
    await waitFor(() => answered === N, 20_000, 'all answered');
    // amount 2^64-1 is answered with what fits the soft limit, not the whole chain.
    expect(biggest).toBeGreaterThan(0);
    expect(biggest).toBeLessThan(65);
    expect(raw.currentState).toBe('active');
    await stillServes(good);
  });

  it('a request flood from a peer that does not read is cut off by the write bound', async () => {
    const node = await startEthNode(cleanups, { session: { maxWriteBufferBytes: 2 * 1024 * 1024, writeTimeoutMs: 1_000 } });
    const good = await goodClient(node, cleanups);
    const raw = await rawEthClient(node, cleanups);
    raw.socket.pause();
    const removed = nextRemoved(node);
    for (let i = 0; i < 20_000 && raw.currentState === 'active'; i++) {
      send(raw, { name: 'GetBlockBodies', value: { requestId: BigInt(i), hashes: testHashes } });
      if (i % 100 === 0) await sleep(1);
    }
    const { info } = await removed;
    expect(info.remote).toBe(false);
    expect(['WriteQueueFullError', 'TimeoutError']).toContain(info.error?.name);
    await stillServes(good);
  });

  it(`an eth message over ${MAX_MESSAGE_SIZE} bytes is refused before decoding: SubprotocolError`, async () => {
    const node = await startEthNode(cleanups);
    const good = await goodClient(node, cleanups);
    const raw = await rawEthClient(node, cleanups);
    const removed = nextRemoved(node);
    // One typed transaction just big enough to put the message over the limit (random, so snappy keeps it big).
    const tx = new Uint8Array(MAX_MESSAGE_SIZE);
    tx.set(randomBytes(tx.length));
    tx[0] = 2;
    raw.send('eth', EthMessageCode.Transactions, encList([encBytes(tx)]));
    const { info } = await removed;
    expect(info).toMatchObject({ reason: DisconnectReason.SubprotocolError, remote: false });
    expect((info.error as EthProtocolError).reason).toBe('too-large');
    expect(info.error!.message).toMatch(/exceeds/);
    await stillServes(good);
  });
});
