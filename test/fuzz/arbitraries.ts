/**
 * fast-check generators of valid wire inputs for the non-eth fuzz targets (RLPx, discv4, ENR,
 * enode URLs). The eth generators live in test/eth/arbitraries.ts; both feed targets.ts.
 */
import fc from 'fast-check';
import { hexToBytes } from '../../src/common/bytes.js';
import { rlpEncode, type RlpInput } from '../../src/common/rlp.js';
import { publicKeyOf } from '../../src/crypto/secp256k1.js';
import type { Endpoint, Message, NeighborNode } from '../../src/discv4/index.js';
import { MAX_NEIGHBORS, PacketType } from '../../src/discv4/index.js';
import { EnrBuilder, type Enr } from '../../src/enode/enr.js';
import type { Enode } from '../../src/enode/enode-url.js';
import type { Hello } from '../../src/rlpx/hello.js';

/** Fixed keys: fuzz inputs must not depend on fresh randomness to be replayable. */
export const FUZZ_KEYS = ['b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291', '01'.repeat(32), '7f'.repeat(32)].map(hexToBytes);
export const fuzzKeyArb = fc.constantFrom(...FUZZ_KEYS);

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const port = fc.integer({ min: 0, max: 65535 });

/** Nested RLP values of small size. */
export const smallRlpArb: fc.Arbitrary<RlpInput> = fc.letrec<{ item: RlpInput }>((tie) => ({
  item: fc.oneof({ depthSize: 'small' }, fc.uint8Array({ maxLength: 40 }), fc.array(tie('item'), { maxLength: 4 })),
})).item;

/** EIP-8 tail elements, raw. */
const rest = fc.array(smallRlpArb.map((i) => rlpEncode(i)), { maxLength: 3 });

export const endpointArb: fc.Arbitrary<Endpoint> = fc.record({ ip: fc.oneof(bytes(4), bytes(16), bytes(0)), udpPort: port, tcpPort: port });
const neighborArb: fc.Arbitrary<NeighborNode> = fc.record({ ip: fc.oneof(bytes(4), bytes(16)), udpPort: port, tcpPort: port, publicKey: bytes(64) });

/** A few signed records to carry in ENRResponse. */
export const FUZZ_RECORDS: Enr[] = FUZZ_KEYS.map((k, i) => new EnrBuilder().udp(30303 + i).tcp(30303 + i).ip(Uint8Array.of(10, 0, 0, i)).sign(k, BigInt(i + 1)));

/** Every discv4 message type, with EIP-8 tails. */
export const discv4MessageArb: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ version: u64, from: endpointArb, to: endpointArb, expiration: u64, enrSeq: u64, rest }).map((m) => ({ type: PacketType.Ping, ...m })),
  fc.record({ version: u64, from: endpointArb, to: endpointArb, expiration: u64 }).map((m) => ({ type: PacketType.Ping, ...m })),
  fc
    .record({ to: endpointArb, replyToken: bytes(32), expiration: u64, enrSeq: fc.option(u64, { nil: undefined }) })
    .map(({ enrSeq, ...m }) => ({ type: PacketType.Pong, ...m, ...(enrSeq === undefined ? {} : { enrSeq }) })),
  fc.record({ target: bytes(64), expiration: u64, rest }).map((m) => ({ type: PacketType.FindNode, ...m })),
  fc.record({ nodes: fc.array(neighborArb, { maxLength: MAX_NEIGHBORS }), expiration: u64 }).map((m) => ({ type: PacketType.Neighbors, ...m })),
  fc.record({ expiration: u64, rest }).map((m) => ({ type: PacketType.EnrRequest, ...m })),
  fc.record({ replyToken: bytes(32), record: fc.constantFrom(...FUZZ_RECORDS) }).map((m) => ({ type: PacketType.EnrResponse, ...m })),
) as fc.Arbitrary<Message>;

/** A Hello as peers send it (extra capabilities and odd client IDs included). */
export const helloArb: fc.Arbitrary<Hello> = fc.record({
  protocolVersion: fc.integer({ min: 0, max: 255 }),
  clientId: fc.string({ maxLength: 80 }),
  capabilities: fc.array(fc.record({ name: fc.stringMatching(/^[a-z]{1,8}$/), version: fc.integer({ min: 0, max: 1000 }) }), { maxLength: 8 }),
  listenPort: port,
  publicKey: bytes(64),
});

/** Signed node records with optional entries and a few unknown keys. */
export const enrArb: fc.Arbitrary<Enr | undefined> = fc
  .record({
    key: fuzzKeyArb,
    seq: u64,
    ip: fc.option(bytes(4), { nil: undefined }),
    ip6: fc.option(bytes(16), { nil: undefined }),
    tcp: fc.option(port, { nil: undefined }),
    udp: fc.option(port, { nil: undefined }),
    eth: fc.option(fc.record({ hash: bytes(4), next: u64 }), { nil: undefined }),
    extra: fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), smallRlpArb, { maxKeys: 2 }),
  })
  .map((r) => {
    const b = new EnrBuilder();
    for (const [k, v] of Object.entries(r.extra)) b.set(k, v);
    b.ip(r.ip).ip6(r.ip6).tcp(r.tcp).udp(r.udp).eth(r.eth);
    try {
      return b.sign(r.key, r.seq);
    } catch {
      return undefined; // over the 300-byte limit: the caller filters it out
    }
  });

/** enode URLs over the fixed keys. */
export const enodeArb: fc.Arbitrary<Enode> = fc.record({
  publicKey: fuzzKeyArb.map(publicKeyOf),
  ip: fc.oneof(fc.ipV4(), fc.ipV6()),
  tcpPort: port,
  udpPort: port,
});
