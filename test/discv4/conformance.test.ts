/**
 * The checks of geth's `devp2p discv4 test` (cmd/devp2p/internal/v4test/discv4tests.go),
 * replayed with a raw peer against our node on 127.0.0.1 and 127.0.0.2, each read bounded by
 * the suite's 300 ms wait.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatBytes, equalBytes } from '../../src/common/bytes.js';
import { keccak256 } from '../../src/crypto/keccak.js';
import { generatePrivateKey, publicKeyOf, sign } from '../../src/crypto/secp256k1.js';
import { type Discv4, PacketType, parseIp, rlpEncodePing } from './conformance-helpers.js';
import { future, past, RawPeer, startNode } from './support.js';

const WAIT = 300;
let node: Discv4;
let to: { ip: string; port: number };

beforeAll(async () => {
  node = await startNode();
  to = { ip: '127.0.0.1', port: node.localAddress.port };
});
afterAll(async () => {
  await node.close();
});

async function withPeer<T>(fn: (p: RawPeer) => Promise<T>, ip = '127.0.0.1'): Promise<T> {
  const p = await RawPeer.bind(ip);
  try {
    return await fn(p);
  } finally {
    await p.close();
  }
}

/** A Ping answered like Ping/Basic expects: exactly one Pong (token, To) and one Ping. */
async function expectPongAndPing(p: RawPeer, hash: Uint8Array): Promise<void> {
  const got = [await p.next(WAIT), await p.next(WAIT)];
  const pong = got.find((r) => r?.pkt.type === PacketType.Pong);
  const ping = got.find((r) => r?.pkt.type === PacketType.Ping);
  expect(pong, 'pong').toBeDefined();
  expect(ping, 'ping back').toBeDefined();
  const m = pong!.pkt.message;
  if (m.type !== PacketType.Pong) throw new Error('not a pong');
  expect(equalBytes(m.replyToken, hash)).toBe(true);
  expect(Array.from(m.to.ip)).toEqual([127, 0, 0, 1]);
  expect(m.to.udpPort).toBe(p.port);
  expect(Number(m.expiration)).toBeGreaterThan(Date.now() / 1000);
}

describe('geth devp2p discv4 test suite, replayed', () => {
  it('Ping/Basic', () => withPeer(async (p) => expectPongAndPing(p, p.ping(to))));

  it('Ping/WrongTo', () => withPeer(async (p) => expectPongAndPing(p, p.ping(to, { to: { ip: parseIp('192.0.2.0')!, udpPort: 30303, tcpPort: 0 } }))));

  it('Ping/WrongFrom: Pong reports the observed source, not `from`', () =>
    withPeer(async (p) => expectPongAndPing(p, p.ping(to, { from: { ip: parseIp('192.0.2.0')!, udpPort: 30304, tcpPort: 0 } }))));

  // geth's pingWithJunk: JunkData1 = 42 (read as enr-seq), JunkData2 = bytes 9..1.
  const junk = { enrSeq: 42n, rest: [Uint8Array.of(0x89, 9, 8, 7, 6, 5, 4, 3, 2, 1)] };

  it('Ping/ExtraData (EIP-8 tail)', () => withPeer(async (p) => expectPongAndPing(p, p.ping(to, junk))));

  it('Ping/ExtraDataWrongFrom', () =>
    withPeer(async (p) =>
      expectPongAndPing(p, p.ping(to, { from: { ip: parseIp('192.0.2.0')!, udpPort: 0, tcpPort: 0 }, ...junk })),
    ));

  it('Ping/PastExpiration: no reply at all (geth sends -expiration, i.e. >= 2^63)', () =>
    withPeer(async (p) => {
      p.ping(to, { expiration: (1n << 64n) - future() });
      expect(await p.next(WAIT)).toBeUndefined();
      p.ping(to, { expiration: past() });
      expect(await p.next(WAIT)).toBeUndefined();
    }));

  it('Ping/WrongPacketType: type 66 gets no reply', () =>
    withPeer(async (p) => {
      const body = rlpEncodePing(p, to);
      const sigData = concatBytes(Uint8Array.of(66), body);
      const sig = sign(keccak256(sigData), p.privateKey);
      p.sendRaw(concatBytes(keccak256(sig, sigData), sig, sigData), to);
      expect(await p.next(WAIT)).toBeUndefined();
    }));

  it('Ping/BondThenPingWithWrongFrom: still a Pong', () =>
    withPeer(async (p) => {
      await p.bond(to);
      const hash = p.ping(to, { from: { ip: parseIp('192.0.2.0')!, udpPort: 0, tcpPort: 0 } });
      // geth reads exactly one packet and requires it to be the Pong.
      const r = await p.next(WAIT);
      expect(r?.pkt.type).toBe(PacketType.Pong);
      const m = r!.pkt.message;
      if (m.type === PacketType.Pong) {
        expect(equalBytes(m.replyToken, hash)).toBe(true);
        expect(m.to.udpPort).toBe(p.port);
      }
    }));

  it('ENRRequest: after bond, the record of the node, token = request hash', () =>
    withPeer(async (p) => {
      await p.bond(to);
      const hash = p.send({ type: PacketType.EnrRequest, expiration: future() }, to);
      const r = await p.next(WAIT);
      expect(r?.pkt.type).toBe(PacketType.EnrResponse);
      const m = r!.pkt.message;
      if (m.type !== PacketType.EnrResponse) throw new Error('not an ENRResponse');
      expect(equalBytes(m.replyToken, hash)).toBe(true);
      expect(equalBytes(m.record.nodeId, node.selfId)).toBe(true);
    }));

  it('Findnode/WithoutEndpointProof: no Neighbors', () =>
    withPeer(async (p) => {
      p.send({ type: PacketType.FindNode, target: p.publicKey, expiration: future() }, to);
      const got = await p.collect(WAIT);
      expect(got.filter((r) => r.pkt.type === PacketType.Neighbors)).toEqual([]);
    }));

  it('Findnode/BasicFindnode: bond, FindNode, Neighbors', () =>
    withPeer(async (p) => {
      await p.bond(to);
      p.send({ type: PacketType.FindNode, target: p.publicKey, expiration: future() }, to);
      const r = await p.next(WAIT);
      expect(r?.pkt.type).toBe(PacketType.Neighbors);
    }));

  it('Findnode/UnsolicitedNeighbors: a fake node sent unasked is not served', () =>
    withPeer(async (p) => {
      await p.bond(to);
      const fake = publicKeyOf(generatePrivateKey());
      p.send(
        { type: PacketType.Neighbors, nodes: [{ ip: parseIp('1.2.3.4')!, udpPort: 30303, tcpPort: 30303, publicKey: fake }], expiration: future() },
        to,
      );
      p.send({ type: PacketType.FindNode, target: fake, expiration: future() }, to);
      const got = await p.collect(WAIT);
      const ns = got.filter((r) => r.pkt.type === PacketType.Neighbors);
      expect(ns.length).toBeGreaterThan(0);
      for (const r of ns) {
        const m = r.pkt.message;
        if (m.type === PacketType.Neighbors) for (const n of m.nodes) expect(equalBytes(n.publicKey, fake)).toBe(false);
      }
    }));

  it('Findnode/PastExpiration: no Neighbors', () =>
    withPeer(async (p) => {
      await p.bond(to);
      p.send({ type: PacketType.FindNode, target: p.publicKey, expiration: (1n << 64n) - future() }, to);
      p.send({ type: PacketType.FindNode, target: p.publicKey, expiration: past() }, to);
      expect(await p.next(WAIT)).toBeUndefined();
    }));

  it('Amplification/InvalidPongHash: a Pong with a wrong token is no proof', () =>
    withPeer(async (p) => {
      p.ping(to);
      let sawPing = false;
      for (let i = 0; i < 2; i++) {
        const r = await p.next(WAIT);
        if (r?.pkt.type === PacketType.Ping) {
          sawPing = true;
          p.send({ type: PacketType.Pong, to: { ip: parseIp(r.from.ip)!, udpPort: r.from.port, tcpPort: 0 }, replyToken: new Uint8Array(32).fill(7), expiration: future() }, r.from);
        }
      }
      expect(sawPing).toBe(true);
      p.send({ type: PacketType.FindNode, target: p.publicKey, expiration: future() }, to);
      const got = await p.collect(WAIT);
      expect(got.filter((r) => r.pkt.type === PacketType.Neighbors)).toEqual([]);
    }));

  it('Amplification/WrongIP: proof from 127.0.0.1 does not cover 127.0.0.2', async () => {
    const p1 = await RawPeer.bind('127.0.0.1');
    const p2 = await RawPeer.bind('127.0.0.2');
    try {
      await p1.bond(to);
      p2.send({ type: PacketType.FindNode, target: p1.publicKey, expiration: future() }, to, p1.privateKey);
      const got = await p2.collect(WAIT);
      expect(got).toEqual([]);
    } finally {
      await p1.close();
      await p2.close();
    }
  });
});
