import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hexToBytes } from '../../src/common/bytes.js';
import { rlpEncode, type RlpInput } from '../../src/common/rlp.js';
import { keccak256 } from '../../src/crypto/keccak.js';
import { publicKeyOf } from '../../src/crypto/secp256k1.js';
import { EnrBuilder, encodeEnr } from '../../src/enode/enr.js';
import {
  MAX_NEIGHBORS,
  MAX_PACKET_SIZE,
  PacketError,
  PacketType,
  decodePacket,
  encodePacket,
  type Endpoint,
  type Message,
} from '../../src/discv4/index.js';
import { frame } from './frame.js';

const keys = ['b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291', '01'.repeat(32), '7f'.repeat(32)].map(hexToBytes);
const keyArb = fc.constantFrom(...keys);
const records = keys.map((k, i) => new EnrBuilder().udp(30303 + i).ip(Uint8Array.of(10, 0, 0, i)).sign(k, BigInt(i + 1)));

const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const port = fc.integer({ min: 0, max: 65535 });
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const ip = fc.oneof(bytes(4), bytes(16), bytes(0));
const endpoint: fc.Arbitrary<Endpoint> = fc.record({ ip, udpPort: port, tcpPort: port });
const node = fc.record({ ip, udpPort: port, tcpPort: port, publicKey: bytes(64) });
const rlpItem: fc.Arbitrary<RlpInput> = fc.letrec<{ item: RlpInput }>((tie) => ({
  item: fc.oneof({ depthSize: 'small' }, fc.uint8Array({ maxLength: 40 }), fc.array(tie('item'), { maxLength: 4 })),
})).item;
const rest = fc.array(rlpItem.map((i) => rlpEncode(i)), { maxLength: 3 });

const message: fc.Arbitrary<Message> = fc.oneof(
  fc
    .record({ version: u64, from: endpoint, to: endpoint, expiration: u64, enrSeq: u64, rest })
    .map((m) => ({ type: PacketType.Ping, ...m })),
  fc
    .record({ version: u64, from: endpoint, to: endpoint, expiration: u64 })
    .map((m) => ({ type: PacketType.Ping, ...m })),
  fc
    .record({ to: endpoint, replyToken: bytes(32), expiration: u64, enrSeq: fc.option(u64, { nil: undefined }) })
    .map(({ enrSeq, ...m }) => ({ type: PacketType.Pong, ...m, ...(enrSeq === undefined ? {} : { enrSeq }) })),
  fc.record({ target: bytes(64), expiration: u64, rest }).map((m) => ({ type: PacketType.FindNode, ...m })),
  fc
    .record({ nodes: fc.array(node, { maxLength: MAX_NEIGHBORS }), expiration: u64 })
    .map((m) => ({ type: PacketType.Neighbors, ...m })),
  fc.record({ expiration: u64, rest }).map((m) => ({ type: PacketType.EnrRequest, ...m })),
  fc
    .record({ replyToken: bytes(32), record: fc.constantFrom(...records) })
    .map((m) => ({ type: PacketType.EnrResponse, ...m })),
) as fc.Arbitrary<Message>;

/** Runs the decoder; the only acceptable failure is a PacketError. */
function decodeOrTypedError(data: Uint8Array): void {
  try {
    decodePacket(data);
  } catch (err) {
    if (!(err instanceof PacketError)) throw err;
  }
}

/** Encodes, or skips the case if random tail elements made it too large. */
function encodeOrSkip(m: Message, key: Uint8Array): { packet: Uint8Array; hash: Uint8Array } {
  try {
    return encodePacket(m, key);
  } catch (err) {
    expect(err).toBeInstanceOf(PacketError);
    fc.pre(false);
    throw err;
  }
}

describe('discv4 packet properties', () => {
  it('encode -> decode gives back the message, hash and signer', () => {
    fc.assert(
      fc.property(message, keyArb, (m, key) => {
        const { packet, hash } = encodeOrSkip(m, key);
        expect(packet.length).toBeLessThanOrEqual(MAX_PACKET_SIZE);
        const p = decodePacket(packet);
        expect(p.hash).toEqual(hash);
        expect(p.publicKey).toEqual(publicKeyOf(key));
        expect(p.nodeId).toEqual(keccak256(publicKeyOf(key)));
        if (m.type === PacketType.EnrResponse) {
          expect(p.message.type === PacketType.EnrResponse && encodeEnr(p.message.record)).toEqual(encodeEnr(m.record));
        } else {
          expect(p.message).toEqual({ rest: [], ...m });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes give only typed errors', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1400 }), decodeOrTypedError), { numRuns: 2000 });
  });

  it('arbitrary bodies behind a valid header give only typed errors', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.uint8Array({ maxLength: 300 }), (type, body) =>
        decodeOrTypedError(frame(type, body, keys[0]!)),
      ),
      { numRuns: 500 },
    );
  });

  it('arbitrary RLP structures behind a valid header give only typed errors', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), rlpItem, fc.uint8Array({ maxLength: 8 }), (type, item, trailing) =>
        decodeOrTypedError(frame(type, new Uint8Array([...rlpEncode(item), ...trailing]), keys[0]!)),
      ),
      { numRuns: 500 },
    );
  });

  it('mutated packets give only typed errors, with and without a fixed-up hash', () => {
    fc.assert(
      fc.property(
        message,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: -4, max: 4 }),
        fc.boolean(),
        (m, edits, resize, fixHash) => {
          const { packet } = encodeOrSkip(m, keys[0]!);
          const p = packet.slice();
          // Edits land in type + body when the hash is fixed up, so body decoding is exercised.
          const from = fixHash ? 97 : 0;
          for (const [pos, val] of edits) p[from + (pos % (p.length - from))] = val;
          let out = resize >= 0 ? new Uint8Array([...p, ...new Uint8Array(resize)]) : p.slice(0, resize);
          if (fixHash && out.length > 32) out = new Uint8Array([...keccak256(out.subarray(32)), ...out.subarray(32)]);
          decodeOrTypedError(out);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('mutated ENR records inside ENRResponse give only typed errors', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 255 }), (pos, val) => {
        const record = encodeEnr(records[0]!).slice();
        record[pos % record.length] = val;
        // Splice the mutated bytes into [token, record] by hand: they may no longer be valid RLP.
        const inner = new Uint8Array([0xa0, ...new Uint8Array(32), ...record]);
        expect(inner.length).toBeGreaterThan(55);
        expect(inner.length).toBeLessThan(256);
        const body = new Uint8Array([0xf8, inner.length, ...inner]);
        decodeOrTypedError(frame(PacketType.EnrResponse, body, keys[0]!));
      }),
      { numRuns: 300 },
    );
  });
});
