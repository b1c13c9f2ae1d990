/**
 * Ping and packet validity (devp2p discv4.md "Wire Protocol", "Ping Packet (0x01)", "Pong
 * Packet (0x02)", EIP-8, EIP-868): a Ping is answered with a Pong quoting its hash, sent to the
 * observed source and carrying the ENR sequence number, plus a Ping back for the endpoint
 * proof; expired packets and datagrams with a bad hash, a bad signature or an unknown type get
 * no reply at all.
 */
import { bytesToHex, concatBytes, equalBytes } from '../../common/bytes.js';
import { formatIp, parseIp } from '../../common/netutil.js';
import { keccak256 } from '../../crypto/keccak.js';
import { sign } from '../../crypto/secp256k1.js';
import { encodeMessage, PacketType } from '../../discv4/messages.js';
import { encodePacket, HEADER_SIZE } from '../../discv4/packets.js';
import { CheckFailure, ensure, type Check, type CheckContext } from '../check.js';
import { Discv4TestPeer, expired, type Received } from './test-peer.js';
import { DEFAULT_WAIT_MS, isLoopbackTarget, listenIp, nodeAddress, type Discv4Target } from './target.js';

/** A bound tester socket that the check closes when it ends. */
export async function testPeer(target: Discv4Target, t: CheckContext, ip = listenIp(target)): Promise<Discv4TestPeer> {
  const p = await Discv4TestPeer.bind(ip, target.listenPort ?? 0, target.waitMs ?? DEFAULT_WAIT_MS, t.signal);
  t.defer(() => p.close());
  return p;
}

/** Fails if any packet arrives within the wait. */
export async function ensureNoReply(p: Discv4TestPeer, what: string): Promise<void> {
  const got = await p.collect();
  if (got.length > 0) throw new CheckFailure(`node answered ${what} with ${got.map((r) => typeName(r.pkt.type)).join(', ')}`);
}

export function typeName(type: number): string {
  return ['?', 'Ping', 'Pong', 'FindNode', 'Neighbors', 'ENRRequest', 'ENRResponse'][type] ?? `type ${type}`;
}

/**
 * Reads up to two packets and checks them as geth's Ping/Basic does: one Pong quoting `hash`,
 * addressed to where the Ping came from, not expired; and one Ping back.
 */
async function ensurePongAndPing(p: Discv4TestPeer, target: Discv4Target, hash: Uint8Array, t: CheckContext): Promise<Received> {
  let pong: Received | undefined;
  let pingBack = false;
  for (let i = 0; i < 2 && !(pong && pingBack); i++) {
    const r = await p.next();
    if (!r) break;
    if (r.pkt.type === PacketType.Pong) pong = r;
    else if (r.pkt.type === PacketType.Ping) pingBack = true;
  }
  if (!pong) throw new CheckFailure(`no Pong within ${p.waitMs} ms`);
  const m = pong.pkt.message;
  if (m.type !== PacketType.Pong) throw new CheckFailure('not a Pong');
  ensure(equalBytes(m.replyToken, hash), () => `Pong reply token ${bytesToHex(m.replyToken)} is not the Ping hash ${bytesToHex(hash)}`);
  ensure(Number(m.expiration) > Date.now() / 1000, () => `Pong expired at ${m.expiration}`);
  const seen = `${formatIp(m.to.ip)}:${m.to.udpPort}`;
  // Only on loopback is the tester's own address the one the node sees (no NAT in between).
  if (isLoopbackTarget(target)) ensure(seen === `${p.address.ip}:${p.address.port}`, () => `Pong \`to\` is ${seen}, the Ping came from ${p.address.ip}:${p.address.port}`);
  else t.note(`Pong \`to\` (our address as the node sees it): ${seen}`);
  ensure(pingBack, 'no Ping back: "if no communication with the sender has occurred within the last 12h, a ping should be sent in addition to pong"');
  return pong;
}

function pingCheck(name: string, rule: string, body: (p: Discv4TestPeer, target: Discv4Target, t: CheckContext) => Promise<void>): Check<Discv4Target> {
  return {
    name: `discv4/${name}`,
    rule,
    async run(target, t) {
      await body(await testPeer(target, t), target, t);
    },
  };
}

/** A signed packet of `type` with a Ping body (for the unknown-type check). */
function packetWithType(p: Discv4TestPeer, target: Discv4Target, type: number): Uint8Array {
  const sigData = concatBytes(Uint8Array.of(type), encodeMessage(p.pingMessage(nodeAddress(target))));
  const sig = sign(keccak256(sigData), p.privateKey);
  return concatBytes(keccak256(sig, sigData), sig, sigData);
}

/** Every Ping and packet-validity check. */
export function pingChecks(): Check<Discv4Target>[] {
  return [
    pingCheck('Ping/Basic', 'discv4.md Ping/Pong: "When a ping packet is received, the recipient should reply with a Pong packet"; ping-hash equals the Ping\'s hash; a Ping is sent back for the endpoint proof', async (p, target, t) => {
      await ensurePongAndPing(p, target, p.ping(nodeAddress(target)), t);
    }),

    pingCheck('Ping/EnrSeq', 'EIP-868: Pong carries the ENR sequence number of the sender\'s current record', async (p, target, t) => {
      const pong = await ensurePongAndPing(p, target, p.ping(nodeAddress(target)), t);
      const m = pong.pkt.message;
      if (m.type !== PacketType.Pong) throw new CheckFailure('not a Pong');
      ensure(m.enrSeq !== undefined, 'Pong has no enr-seq element');
      t.note(`enr-seq ${m.enrSeq}`);
    }),

    pingCheck('Ping/WrongTo', 'discv4.md Ping: `to` is informational (the recipient\'s address as the sender sees it); the spec sets no rule on it and EIP-8 asks for leniency, so a Ping with another `to` is still answered (as geth does)', async (p, target, t) => {
      await ensurePongAndPing(p, target, p.ping(nodeAddress(target), { to: { ip: parseIp('192.0.2.1')!, udpPort: 30303, tcpPort: 0 } }), t);
    }),

    pingCheck('Ping/WrongFrom', 'discv4.md Pong: `to` reports the address the Ping came from as observed, not the Ping\'s `from`', async (p, target, t) => {
      await ensurePongAndPing(p, target, p.ping(nodeAddress(target), { from: { ip: parseIp('192.0.2.1')!, udpPort: 30304, tcpPort: 0 } }), t);
    }),

    pingCheck('Ping/ExtraData', 'discv4.md / EIP-8: "implementations should ignore any additional elements in the packet-data list"', async (p, target, t) => {
      await ensurePongAndPing(p, target, p.ping(nodeAddress(target), { enrSeq: 42n, rest: [Uint8Array.of(0x83, 1, 2, 3)] }), t);
    }),

    pingCheck('Ping/PastExpiration', 'discv4.md Ping: "packets containing a time stamp that lies in the past are expired [and] may not be processed": no reply at all', async (p, target) => {
      p.ping(nodeAddress(target), { expiration: expired() });
      await ensureNoReply(p, 'an expired Ping');
    }),

    pingCheck('Packet/BadHash', 'discv4.md Wire Protocol: hash = keccak256(signature || packet-type || packet-data); a datagram whose hash does not match is not a discv4 packet: no reply', async (p, target) => {
      const { packet } = encodePacket(p.pingMessage(nodeAddress(target)), p.privateKey);
      packet[0]! ^= 0xff;
      p.sendRaw(packet, nodeAddress(target));
      await ensureNoReply(p, 'a Ping with a wrong hash');
    }),

    pingCheck('Packet/BadSignature', 'discv4.md Wire Protocol: "every packet is signed by the node\'s identity key"; a signature from which no key can be recovered is dropped: no reply', async (p, target) => {
      const { packet } = encodePacket(p.pingMessage(nodeAddress(target)), p.privateKey);
      const sigData = packet.subarray(HEADER_SIZE);
      // r = s = 0 recovers no key; the hash is recomputed so only the signature is wrong.
      const sig = new Uint8Array(65);
      p.sendRaw(concatBytes(keccak256(sig, sigData), sig, sigData), nodeAddress(target));
      await ensureNoReply(p, 'a Ping with an invalid signature');
    }),

    pingCheck('Packet/UnknownType', 'discv4.md Wire Protocol: packet types are 0x01-0x06 (EIP-868); a packet of another type is not answered (geth: Ping/WrongPacketType)', async (p, target) => {
      p.sendRaw(packetWithType(p, target, 66), nodeAddress(target));
      await ensureNoReply(p, 'a packet of type 66');
    }),
  ];
}
