/**
 * discv5 fuzz targets: the whole packet decoder as the node's inbound path runs it (header
 * unmasking, WHOAREYOU, ordinary messages on a session, handshakes answering a pending
 * challenge) and the message decoder behind the encryption.
 */
import fc from 'fast-check';
import { bytesToHex } from '../../src/common/bytes.js';
import { publicKeyOf } from '../../src/crypto/secp256k1.js';
import { EnrBuilder } from '../../src/enode/enr.js';
import { Codec, type LocalIdentity } from '../../src/discv5/codec.js';
import { PacketError } from '../../src/discv5/errors.js';
import { MAX_PACKET_SIZE } from '../../src/discv5/header.js';
import { decodeMessage, encodeMessage, type Message, MessageType } from '../../src/discv5/messages.js';
import { SessionCache, sessionKey } from '../../src/discv5/session-cache.js';
import { enrArb, FUZZ_KEYS } from './arbitraries.js';
import type { FuzzTarget } from './targets.js';

const ADDR = '10.0.0.1:30303';
const recordA = new EnrBuilder().ip(new Uint8Array([10, 0, 0, 1])).udp(30303).sign(FUZZ_KEYS[0]!, 1n);
const recordB = new EnrBuilder().ip(new Uint8Array([10, 0, 0, 2])).udp(30303).sign(FUZZ_KEYS[1]!, 1n);
const identityA: LocalIdentity = { privateKey: FUZZ_KEYS[0]!, id: recordA.nodeId, enr: () => recordA };
const identityB: LocalIdentity = { privateKey: FUZZ_KEYS[1]!, id: recordB.nodeId, enr: () => recordB };
const KEY_AB = new Uint8Array(16).fill(1);
const KEY_BA = new Uint8Array(16).fill(2);
/** B's pending challenge to A: the WHOAREYOU B sent, as A decoded it. */
const challengeBytes = new Codec(identityB, new SessionCache(Date.now)).encodeWhoareyou(recordA.nodeId, ADDR, new Uint8Array(12));
const challengeSeen = new Codec(identityA, new SessionCache(Date.now)).decode(challengeBytes, ADDR);
const challenge = challengeSeen.kind === 'whoareyou' ? challengeSeen.challenge : undefined;

/** B as it stands after the WHOAREYOU: a session with A and the pending challenge (fresh per input: decoding consumes it). */
function receiver(): Codec {
  const sessions = new SessionCache(Date.now);
  const key = sessionKey(bytesToHex(recordA.nodeId), ADDR);
  sessions.store(key, { writeKey: KEY_BA, readKey: KEY_AB, nonceCounter: 0, node: recordA });
  sessions.storeChallenge(key, { ...challenge!, packet: challengeBytes });
  return new Codec(identityB, sessions);
}

/** A's codec writing to B on the session B knows. */
function sender(): Codec {
  const sessions = new SessionCache(Date.now);
  sessions.store(sessionKey(bytesToHex(recordB.nodeId), ADDR), { writeKey: KEY_AB, readKey: KEY_BA, nonceCounter: 0, node: recordB });
  return new Codec(identityA, sessions);
}

const reqId = fc.uint8Array({ minLength: 0, maxLength: 8 });
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const bytes = (max: number) => fc.uint8Array({ maxLength: max });

export const discv5MessageArb: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ type: fc.constant(MessageType.Ping), reqId, enrSeq: u64 }),
  fc.record({ type: fc.constant(MessageType.Pong), reqId, enrSeq: u64, toIp: fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 })), toPort: fc.integer({ min: 0, max: 65535 }) }),
  fc.record({ type: fc.constant(MessageType.FindNode), reqId, distances: fc.array(fc.integer({ min: 0, max: 256 }), { maxLength: 6 }) }),
  fc.record({ type: fc.constant(MessageType.Nodes), reqId, total: fc.integer({ min: 0, max: 255 }), records: fc.array(enrArb.filter((e) => e !== undefined).map((e) => e!), { maxLength: 3 }) }),
  fc.record({ type: fc.constant(MessageType.TalkReq), reqId, protocol: bytes(16), message: bytes(200) }),
  fc.record({ type: fc.constant(MessageType.TalkResp), reqId, message: bytes(200) }),
) as fc.Arbitrary<Message>;

/** A packet of each kind B may receive from A, carrying `m`. */
function packetOf(kind: number, m: Message): Uint8Array {
  switch (kind % 4) {
    case 0:
      return sender().encodeMessage(recordB.nodeId, ADDR, m).packet;
    case 1:
      return sender().encodeHandshake(recordB.nodeId, ADDR, m, challenge!, { publicKey: publicKeyOf(FUZZ_KEYS[1]!), enr: recordB }).packet;
    case 2:
      return new Codec(identityA, new SessionCache(Date.now)).encodeWhoareyou(recordB.nodeId, ADDR, new Uint8Array(12).fill(kind));
    default:
      return new Codec(identityA, new SessionCache(Date.now)).encodeMessage(recordB.nodeId, ADDR, m).packet; // no session: random
  }
}

export const discv5Targets: FuzzTarget[] = [
  {
    name: 'discv5-packet',
    decode: (d) => receiver().decode(d, ADDR),
    errors: [PacketError],
    valid: fc.tuple(fc.nat(3), discv5MessageArb).map(([k, m]) => {
      const p = packetOf(k, m);
      return p.length <= MAX_PACKET_SIZE ? p : packetOf(2, m);
    }),
    maxInput: MAX_PACKET_SIZE + 16,
  },
  {
    name: 'discv5-message',
    decode: decodeMessage,
    errors: [PacketError],
    valid: discv5MessageArb.map(encodeMessage),
    maxInput: MAX_PACKET_SIZE,
  },
];
