/**
 * Queries and the endpoint proof (devp2p discv4.md "Endpoint Proof", "FindNode Packet (0x03)",
 * "Neighbors Packet (0x04)", EIP-868 ENRRequest/ENRResponse): FindNode and ENRRequest are
 * answered only after a valid Pong from that node ID at that IP, never when expired; Neighbors
 * carry at most the 16 closest nodes; ENRResponse quotes the request hash and carries the
 * node's own record with a valid signature.
 */
import { bytesToHex, equalBytes } from '../../common/bytes.js';
import { keccak256 } from '../../crypto/keccak.js';
import { generatePrivateKey, publicKeyOf } from '../../crypto/secp256k1.js';
import { parseIp } from '../../common/netutil.js';
import { PacketType } from '../../discv4/messages.js';
import { CheckFailure, ensure, type Check, type CheckContext } from '../check.js';
import { ensureNoReply, testPeer, typeName } from './checks-ping.js';
import { expired, expiresIn, type Discv4TestPeer, type Received } from './test-peer.js';
import { listenIp2, nodeAddress, type Discv4Target } from './target.js';

/** discv4.md FindNode: "the closest 16 nodes to target". */
export const MAX_NEIGHBORS_TOTAL = 16;

function queryCheck(name: string, rule: string, body: (p: Discv4TestPeer, target: Discv4Target, t: CheckContext) => Promise<void>): Check<Discv4Target> {
  return {
    name: `discv4/${name}`,
    rule,
    async run(target, t) {
      await body(await testPeer(target, t), target, t);
    },
  };
}

/** Packets of `type` among those collected within the wait (a Ping from the node is always tolerated). */
async function collectType(p: Discv4TestPeer, type: number): Promise<Received[]> {
  return (await p.collect()).filter((r) => r.pkt.type === type);
}

/** Fails if the node sends a packet of `type` within the wait. */
async function ensureNo(p: Discv4TestPeer, type: number, what: string): Promise<void> {
  const got = await collectType(p, type);
  if (got.length > 0) throw new CheckFailure(`node answered ${what} with ${got.length} ${typeName(type)} packet(s)`);
}

function findNode(p: Discv4TestPeer, target: Discv4Target, key?: Uint8Array, expiration = expiresIn()): void {
  p.send({ type: PacketType.FindNode, target: p.publicKey, expiration }, nodeAddress(target), key);
}

/** Every FindNode, ENRRequest and endpoint-proof check. */
export function queryChecks(): Check<Discv4Target>[] {
  return [
    queryCheck('FindNode/WithoutEndpointProof', 'discv4.md FindNode: "to guard against traffic amplification attacks, Neighbors replies should only be sent if the sender of FindNode has been verified by the endpoint proof procedure"', async (p, target) => {
      findNode(p, target);
      await ensureNo(p, PacketType.Neighbors, 'a FindNode from an unverified sender');
    }),

    queryCheck('FindNode/AfterBond', `discv4.md FindNode: a verified sender gets Neighbors packets with the closest (at most ${MAX_NEIGHBORS_TOTAL}) nodes, each packet within 1280 bytes`, async (p, target, t) => {
      await p.bond(nodeAddress(target));
      findNode(p, target);
      const packets = await collectType(p, PacketType.Neighbors);
      ensure(packets.length > 0, () => `no Neighbors within ${p.waitMs} ms after the endpoint proof`);
      const ids = new Set<string>();
      for (const r of packets) {
        const m = r.pkt.message;
        if (m.type !== PacketType.Neighbors) continue;
        ensure(Number(m.expiration) > Date.now() / 1000, () => `Neighbors expired at ${m.expiration}`);
        for (const n of m.nodes) ids.add(bytesToHex(n.publicKey));
      }
      ensure(ids.size <= MAX_NEIGHBORS_TOTAL, () => `${ids.size} distinct nodes in Neighbors, at most ${MAX_NEIGHBORS_TOTAL} expected`);
      t.note(`${ids.size} nodes in ${packets.length} Neighbors packet(s)`);
    }),

    queryCheck('FindNode/PastExpiration', 'discv4.md: packets with an expiration in the past "may not be processed": an expired FindNode gets no Neighbors even from a verified sender', async (p, target) => {
      await p.bond(nodeAddress(target));
      findNode(p, target, undefined, expired());
      await ensureNo(p, PacketType.Neighbors, 'an expired FindNode');
    }),

    queryCheck('FindNode/UnsolicitedNeighbors', 'discv4.md Neighbors: "the reply to FindNode"; Neighbors nobody asked for are ignored, so the nodes in them are not served to others (geth)', async (p, target) => {
      await p.bond(nodeAddress(target));
      const fake = publicKeyOf(generatePrivateKey());
      p.send({ type: PacketType.Neighbors, nodes: [{ ip: parseIp('192.0.2.7')!, udpPort: 30303, tcpPort: 30303, publicKey: fake }], expiration: expiresIn() }, nodeAddress(target));
      p.send({ type: PacketType.FindNode, target: fake, expiration: expiresIn() }, nodeAddress(target));
      for (const r of await collectType(p, PacketType.Neighbors)) {
        const m = r.pkt.message;
        if (m.type === PacketType.Neighbors && m.nodes.some((n) => equalBytes(n.publicKey, fake))) throw new CheckFailure('node served a node it only heard of in unsolicited Neighbors');
      }
    }),

    queryCheck('ENRRequest/Basic', 'EIP-868: ENRRequest is answered with ENRResponse whose reply token is the request hash and whose record is the node\'s own, with a valid signature', async (p, target, t) => {
      await p.bond(nodeAddress(target));
      const hash = p.send({ type: PacketType.EnrRequest, expiration: expiresIn() }, nodeAddress(target));
      const got = await collectType(p, PacketType.EnrResponse);
      if (got.length === 0) {
        const bad = p.rejected.find((r) => r.error.packetType === PacketType.EnrResponse);
        throw new CheckFailure(bad ? `ENRResponse is invalid: ${bad.error.message}` : `no ENRResponse within ${p.waitMs} ms`);
      }
      const m = got[0]!.pkt.message;
      if (m.type !== PacketType.EnrResponse) throw new CheckFailure('not an ENRResponse');
      ensure(equalBytes(m.replyToken, hash), () => `ENRResponse reply token ${bytesToHex(m.replyToken)} is not the request hash ${bytesToHex(hash)}`);
      const want = keccak256(target.node.publicKey);
      ensure(equalBytes(m.record.nodeId, want), () => `record of node ${bytesToHex(m.record.nodeId)}, expected ${bytesToHex(want)}`);
      t.note(`record seq ${m.record.seq}, keys ${m.record.keys().join(',')}`);
    }),

    queryCheck('ENRRequest/EnrSeqMatchesPong', 'EIP-868: the enr-seq in Pong is the sequence number of the record ENRRequest returns', async (p, target) => {
      const pong = await p.bond(nodeAddress(target));
      const pm = pong.pkt.message;
      if (pm.type !== PacketType.Pong || pm.enrSeq === undefined) throw new CheckFailure('Pong has no enr-seq element');
      p.send({ type: PacketType.EnrRequest, expiration: expiresIn() }, nodeAddress(target));
      const got = await collectType(p, PacketType.EnrResponse);
      const m = got[0]?.pkt.message;
      if (m?.type !== PacketType.EnrResponse) throw new CheckFailure(`no ENRResponse within ${p.waitMs} ms`);
      ensure(m.record.seq === pm.enrSeq, () => `record seq ${m.record.seq}, Pong enr-seq ${pm.enrSeq}`);
    }),

    queryCheck('ENRRequest/WithoutEndpointProof', 'discv4.md Endpoint Proof: "implementations must verify that the sender of a query participates in the discovery protocol"; ENRRequest from an unverified sender is not answered (geth)', async (p, target) => {
      p.send({ type: PacketType.EnrRequest, expiration: expiresIn() }, nodeAddress(target));
      await ensureNo(p, PacketType.EnrResponse, 'an ENRRequest from an unverified sender');
    }),

    queryCheck('ENRRequest/PastExpiration', 'EIP-868 / discv4.md: an ENRRequest whose expiration is in the past is not processed', async (p, target) => {
      await p.bond(nodeAddress(target));
      p.send({ type: PacketType.EnrRequest, expiration: expired() }, nodeAddress(target));
      await ensureNo(p, PacketType.EnrResponse, 'an expired ENRRequest');
    }),

    queryCheck('Amplification/InvalidPongHash', 'discv4.md Endpoint Proof: only "a valid pong response with matching ping hash" verifies the sender; a Pong with another hash is no proof', async (p, target) => {
      p.ping(nodeAddress(target));
      let pinged = false;
      for (let i = 0; i < 2 && !pinged; i++) {
        const r = await p.next();
        if (r?.pkt.type === PacketType.Ping) {
          pinged = true;
          p.pong(r, keccak256(r.pkt.hash));
        }
      }
      ensure(pinged, `the node did not Ping us within ${p.waitMs} ms, so the check cannot offer a wrong Pong`);
      findNode(p, target);
      await ensureNo(p, PacketType.Neighbors, 'a FindNode after a Pong with a wrong hash');
    }),

    {
      name: 'discv4/Amplification/WrongIP',
      rule: 'discv4.md Endpoint Proof: the proof is for the sender\'s IP; a FindNode from the same node ID at another IP is not answered (geth tracks proofs per ID and IP)',
      async run(target, t) {
        const ip2 = listenIp2(target);
        if (!ip2) t.skip('needs a second local IP (--listen2)');
        const p1 = await testPeer(target, t);
        const p2 = await testPeer(target, t, ip2).catch((err: Error) => t.skip(`cannot bind the second IP ${ip2}: ${err.message}`));
        await p1.bond(nodeAddress(target));
        findNode(p2, target, p1.privateKey);
        await ensureNoReply(p2, `a FindNode from ${ip2} with a key verified at ${p1.address.ip}`);
      },
    },
  ];
}
