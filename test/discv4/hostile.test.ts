/** Hostile input: every bad datagram is dropped without a reply and without hurting the node. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/common/bytes.js';
import { keccak256 } from '../../src/crypto/keccak.js';
import { generatePrivateKey, publicKeyOf, sign } from '../../src/crypto/secp256k1.js';
import {
  DEFAULT_PACKETS_PER_MINUTE,
  Discv4,
  encodePacket,
  MAX_PACKET_SIZE,
  PacketType,
  parseIp,
} from '../../src/discv4/index.js';
import { MemoryNetwork } from '../../src/testing/index.js';
import { rlpEncodePing } from './conformance-helpers.js';
import { future, RawPeer, startNode } from './support.js';

const WAIT = 250;
let node: Discv4;
let to: { ip: string; port: number };
let peer: RawPeer;

beforeAll(async () => {
  node = await startNode({ rateLimit: { perMinute: 60, lanPerMinute: 100_000 } });
  to = { ip: '127.0.0.1', port: node.localAddress.port };
  peer = await RawPeer.bind();
});
afterAll(async () => {
  await peer.close();
  await node.close();
});

async function expectSilenceAndDrop(reason: string, send: () => void): Promise<void> {
  const before = node.stats.dropped[reason as keyof typeof node.stats.dropped] ?? 0;
  send();
  expect(await peer.collect(WAIT)).toEqual([]);
  expect(node.stats.dropped[reason as keyof typeof node.stats.dropped] ?? 0).toBeGreaterThan(before);
}

function validPing(key = peer.privateKey): Uint8Array {
  return encodePacket(
    { type: PacketType.Ping, version: 4n, from: peer.endpoint, to: { ip: parseIp('127.0.0.1')!, udpPort: to.port, tcpPort: 0 }, expiration: future() },
    key,
  ).packet;
}

describe('hostile datagrams on loopback UDP', () => {
  it('too small', () => expectSilenceAndDrop('too-small', () => peer.sendRaw(new Uint8Array(50), to)));

  it('oversized (> 1280 bytes)', () =>
    expectSilenceAndDrop('too-large', () => {
      const p = validPing();
      const big = new Uint8Array(MAX_PACKET_SIZE + 1);
      big.set(p);
      peer.sendRaw(big, to);
    }));

  it('bad hash', () =>
    expectSilenceAndDrop('bad-hash', () => {
      const p = validPing();
      p[0]! ^= 1;
      peer.sendRaw(p, to);
    }));

  it('bad signature (invalid recovery id, hash recomputed)', () =>
    expectSilenceAndDrop('bad-signature', () => {
      const p = validPing();
      p[32 + 64] = 9;
      peer.sendRaw(concatBytes(keccak256(p.subarray(32)), p.subarray(32)), to);
    }));

  it('unknown packet types (0, 7, 66)', () =>
    expectSilenceAndDrop('unknown-type', () => {
      for (const t of [0, 7, 66]) {
        const sigData = concatBytes(Uint8Array.of(t), rlpEncodePing(peer, to));
        const sig = sign(keccak256(sigData), peer.privateKey);
        peer.sendRaw(concatBytes(keccak256(sig, sigData), sig, sigData), to);
      }
    }));

  it('malformed body', () =>
    expectSilenceAndDrop('bad-body', () => {
      const sigData = Uint8Array.of(PacketType.Ping, 0xc3, 0x01, 0x02, 0x03);
      const sig = sign(keccak256(sigData), peer.privateKey);
      peer.sendRaw(concatBytes(keccak256(sig, sigData), sig, sigData), to);
    }));

  it('expired Ping, FindNode and ENRRequest', () =>
    expectSilenceAndDrop('expired', () => {
      const exp = BigInt(Math.floor(Date.now() / 1000) - 1);
      peer.ping(to, { expiration: exp });
      peer.send({ type: PacketType.FindNode, target: peer.publicKey, expiration: exp }, to);
      peer.send({ type: PacketType.EnrRequest, expiration: exp }, to);
    }));

  it('FindNode and ENRRequest without endpoint proof', () =>
    expectSilenceAndDrop('no-endpoint-proof', () => {
      const k = generatePrivateKey();
      peer.send({ type: PacketType.FindNode, target: peer.publicKey, expiration: future() }, to, k);
      peer.send({ type: PacketType.EnrRequest, expiration: future() }, to, k);
    }));

  it('unsolicited Pong, Neighbors and ENRResponse', () =>
    expectSilenceAndDrop('unsolicited', () => {
      peer.send({ type: PacketType.Pong, to: peer.endpoint, replyToken: new Uint8Array(32), expiration: future() }, to);
      peer.send({ type: PacketType.Neighbors, nodes: [], expiration: future() }, to);
      peer.send({ type: PacketType.EnrResponse, replyToken: new Uint8Array(32), record: node.localEnr }, to);
    }));

  it('a flood of garbage and bad packets leaves the node answering', async () => {
    const rnd = new Uint8Array(randomBytes(200_000));
    for (let i = 0; i < 2000; i++) peer.sendRaw(rnd.subarray(i * 100, i * 100 + 98 + (i % 3)), to);
    await peer.collect(WAIT);
    const hash = peer.ping(to);
    const r = await peer.next(1000);
    expect(r?.pkt.type).toBe(PacketType.Pong);
    void hash;
    await peer.collect(WAIT);
  });

  it('a flood of valid Pings from one loopback IP is cut at the LAN bound', async () => {
    // The clock stands still, so the limiter's budget does not refill while the batches go out.
    const t0 = Date.now();
    const limited = await startNode({ rateLimit: { perMinute: 60, lanPerMinute: 100 }, now: () => t0 });
    const p = await RawPeer.bind();
    const packet = encodePacket(
      { type: PacketType.Ping, version: 4n, from: p.endpoint, to: { ip: parseIp('127.0.0.1')!, udpPort: limited.localAddress.port, tcpPort: 0 }, expiration: future() },
      p.privateKey,
    ).packet;
    // Sent in batches the node has read before the next goes out: a burst of 300 overflows the
    // socket's receive buffer on a loaded machine and the kernel, not the limiter, drops it.
    for (let sent = 0; sent < 300; sent += 20) {
      for (let i = 0; i < 20; i++) p.sendRaw(packet, { ip: '127.0.0.1', port: limited.localAddress.port });
      for (let w = 0; w < 100 && limited.stats.packetsIn < sent + 20; w++) await new Promise((r) => setTimeout(r, 5));
    }
    const got = await p.collect(500);
    // The kernel may still drop a few; of those that arrived, exactly 100 got through.
    const cut = limited.stats.dropped['rate-limited'] ?? 0;
    expect(cut).toBeGreaterThan(0);
    expect(limited.stats.packetsIn - cut).toBe(100);
    const pongs = got.filter((r) => r.pkt.type === PacketType.Pong).length;
    expect(pongs).toBeGreaterThan(0);
    expect(pongs).toBeLessThanOrEqual(100);
    await p.close();
    await limited.close();
  });
});

describe('hostile senders on the in-memory network', () => {
  it(`a flood of valid Pings from one public IP is cut at ${DEFAULT_PACKETS_PER_MINUTE}/min`, async () => {
    const net = new MemoryNetwork();
    const victim = new Discv4({ privateKey: generatePrivateKey(), transport: net.bind('10.0.0.1', 30303), revalidateIntervalMs: 0, refreshIntervalMs: 0 });
    const attacker = net.bind('203.0.113.5', 30303);
    let replies = 0;
    attacker.onDatagram(() => replies++);
    const key = generatePrivateKey();
    const { packet } = encodePacket(
      { type: PacketType.Ping, version: 4n, from: { ip: parseIp('203.0.113.5')!, udpPort: 30303, tcpPort: 0 }, to: { ip: parseIp('10.0.0.1')!, udpPort: 30303, tcpPort: 0 }, expiration: future() },
      key,
    );
    for (let i = 0; i < 300; i++) attacker.send(packet, victim.localAddress);
    await new Promise((r) => setTimeout(r, 200));
    expect(victim.stats.dropped['rate-limited']).toBe(300 - DEFAULT_PACKETS_PER_MINUTE);
    // Each accepted Ping gets a Pong (+ one ping back, shared while in flight).
    expect(replies).toBeLessThanOrEqual(2 * DEFAULT_PACKETS_PER_MINUTE);
    await victim.close();
    await attacker.close();
  });

  it('replies to our own pending requests are not charged to the per-IP limit', async () => {
    const net = new MemoryNetwork();
    const cfg = { revalidateIntervalMs: 0, refreshIntervalMs: 0 };
    const asker = new Discv4({ privateKey: generatePrivateKey(), transport: net.bind('198.51.100.1', 30303), ...cfg });
    const busy = new Discv4({ privateKey: generatePrivateKey(), transport: net.bind('198.51.100.2', 30303), rateLimit: false, ...cfg });
    for (let i = 0; i < DEFAULT_PACKETS_PER_MINUTE + 20; i++) await asker.ping(busy.self);
    expect(asker.stats.dropped['rate-limited'] ?? 0).toBe(0);
    await Promise.all([asker.close(), busy.close()]);
  });

  it('an endpoint proof made from one IP is not valid from another (spoofed source)', async () => {
    const net = new MemoryNetwork();
    const victim = new Discv4({ privateKey: generatePrivateKey(), transport: net.bind('10.0.0.1', 30303), revalidateIntervalMs: 0, refreshIntervalMs: 0 });
    const honest = new Discv4({ privateKey: generatePrivateKey(), transport: net.bind('10.0.0.2', 30303), revalidateIntervalMs: 0, refreshIntervalMs: 0 });
    await honest.ping(victim.self);
    await new Promise((r) => setTimeout(r, 50));
    expect(victim.isBonded(honest.self.idHex, '10.0.0.2')).toBe(true);
    // The same key asks from a victim-of-amplification address.
    const spoof = net.bind('10.9.9.9', 30303);
    let replies = 0;
    spoof.onDatagram(() => replies++);
    const key = (honest as unknown as { privateKey: Uint8Array }).privateKey;
    const { packet } = encodePacket({ type: PacketType.FindNode, target: publicKeyOf(generatePrivateKey()), expiration: future() }, key);
    spoof.send(packet, victim.localAddress);
    await new Promise((r) => setTimeout(r, 50));
    expect(replies).toBe(0);
    expect(victim.stats.dropped['no-endpoint-proof']).toBe(1);
    await Promise.all([victim.close(), honest.close(), spoof.close()]);
  });
});
