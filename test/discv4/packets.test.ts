import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes } from '../../src/common/bytes.js';
import { rlpEncode, type RlpInput } from '../../src/common/rlp.js';
import { keccak256 } from '../../src/crypto/keccak.js';
import { publicKeyOf } from '../../src/crypto/secp256k1.js';
import { EnrBuilder, encodeEnr } from '../../src/enode/enr.js';
import {
  MAX_PACKET_SIZE,
  MIN_PACKET_SIZE,
  PacketError,
  PacketType,
  decodePacket,
  encodePacket,
  expirationFrom,
  isExpired,
  type Endpoint,
  type Message,
} from '../../src/discv4/index.js';
import { loadVectors } from '../support/vectors.js';
import { frame as frameWith } from './frame.js';

interface VectorEndpoint {
  ip_hex: string;
  udp_port: number;
  tcp_port: number;
}
interface Vector {
  name: string;
  hex: string;
  header: { hash: string; signature: string; packet_type: number };
  decoded: Record<string, any>;
}

const file = loadVectors('discv4-packets.json');
const key = hexToBytes(file.node_key);
const vectors: Vector[] = [...file.packets, ...file.supplementary_packets];
const byName = (name: string): Vector => vectors.find((x) => x.name === name)!;

const endpointOf = (e: VectorEndpoint): Endpoint => ({ ip: hexToBytes(e.ip_hex), udpPort: e.udp_port, tcpPort: e.tcp_port });
const frame = (type: number, body: Uint8Array): Uint8Array => frameWith(type, body, key);
const hex = (list: Uint8Array[]): string[] => list.map(bytesToHex);

function expectPacketError(fn: () => unknown, reason: PacketError['reason']): PacketError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PacketError);
    expect((err as PacketError).reason).toBe(reason);
    return err as PacketError;
  }
  throw new Error(`expected PacketError ${reason}`);
}

describe('discv4 vectors (EIP-8 and go-ethereum)', () => {
  // ping v555 and pong carry a list where EIP-868 puts enr-seq; geth rejects them since #22842.
  const acceptedByGeth = vectors.filter((x) => !['ping_v555_extra_elements_and_data', 'pong_extra_elements_and_data'].includes(x.name));

  it.each(acceptedByGeth.map((x) => [x.name, x] as const))('%s: hash, signer and type', (_name, x) => {
    const p = decodePacket(hexToBytes(x.hex));
    expect(bytesToHex(p.hash)).toBe(x.header.hash);
    expect(bytesToHex(p.publicKey)).toBe(file.node_pubkey);
    expect(bytesToHex(p.nodeId)).toBe(file.node_id);
    expect(p.type).toBe(x.header.packet_type);
    expect(p.message.type).toBe(x.header.packet_type);
  });

  it('ping v4 with extra elements: enr-seq 1, rest [02] (as geth reads it)', () => {
    const x = byName('ping_v4_extra_elements');
    const m = decodePacket(hexToBytes(x.hex)).message;
    expect(m).toEqual({
      type: PacketType.Ping,
      version: 4n,
      from: endpointOf(x.decoded.from),
      to: endpointOf(x.decoded.to),
      expiration: BigInt(x.decoded.expiration),
      enrSeq: 1n,
      rest: [hexToBytes('02')],
    });
  });

  it('plain ping: no enr-seq, no rest', () => {
    const x = byName('ping_v4_plain');
    const m = decodePacket(hexToBytes(x.hex)).message;
    expect(m).toEqual({
      type: PacketType.Ping,
      version: 4n,
      from: endpointOf(x.decoded.from),
      to: endpointOf(x.decoded.to),
      expiration: 1136239445n,
      rest: [],
    });
    expect(m.type === PacketType.Ping && m.enrSeq).toBeUndefined();
  });

  it('findnode with extra elements and trailing data', () => {
    const x = byName('findnode_extra_elements_and_data');
    const m = decodePacket(hexToBytes(x.hex)).message;
    expect(m.type).toBe(PacketType.FindNode);
    if (m.type !== PacketType.FindNode) return;
    expect(bytesToHex(m.target)).toBe(x.decoded.target);
    expect(m.expiration).toBe(BigInt(x.decoded.expiration));
    expect(hex(m.rest!)).toEqual(x.decoded.additional_elements);
  });

  it('neighbours with IPv4 and IPv6 nodes, extra elements and trailing data', () => {
    const x = byName('neighbours_extra_elements_and_data');
    const m = decodePacket(hexToBytes(x.hex)).message;
    expect(m.type).toBe(PacketType.Neighbors);
    if (m.type !== PacketType.Neighbors) return;
    expect(m.nodes).toEqual(
      x.decoded.nodes.map((n: VectorEndpoint & { node_id: string }) => ({ ...endpointOf(n), publicKey: hexToBytes(n.node_id) })),
    );
    expect(m.expiration).toBe(BigInt(x.decoded.expiration));
    expect(hex(m.rest!)).toEqual(x.decoded.additional_elements);
  });

  it.each([['ping_v555_extra_elements_and_data'], ['pong_extra_elements_and_data']])(
    '%s: rejected like geth (a list in the enr-seq position), with hash and signer reported',
    (name) => {
      const x = byName(name);
      const err = expectPacketError(() => decodePacket(hexToBytes(x.hex)), 'bad-body');
      expect(err.field).toBe('enrSeq');
      expect(bytesToHex(err.hash!)).toBe(x.header.hash);
      expect(bytesToHex(err.publicKey!)).toBe(file.node_pubkey);
      expect(err.packetType).toBe(x.header.packet_type);
    },
  );

  it('the rejected vectors decode once the enr-seq position holds an integer', () => {
    // Same fields as the pong vector, re-framed with enr-seq 7 before its extra elements.
    const x = byName('pong_extra_elements_and_data');
    const to = x.decoded.to as VectorEndpoint;
    const body = rlpEncode([
      [hexToBytes(to.ip_hex), to.udp_port, to.tcp_port],
      hexToBytes(x.decoded.ping_hash),
      BigInt(x.decoded.expiration),
      7,
      [1, 2, 3, [4, 5]],
      6,
    ]);
    const m = decodePacket(frame(PacketType.Pong, body)).message;
    expect(m).toMatchObject({ type: PacketType.Pong, enrSeq: 7n, to: endpointOf(to), expiration: 1136239445n });
    expect(m.type === PacketType.Pong && hex(m.rest!)).toEqual(['c6010203c20405', '06']);
  });
});

describe('discv4 encode -> decode roundtrip', () => {
  const v4: Endpoint = { ip: hexToBytes('0a000001'), udpPort: 30303, tcpPort: 30303 };
  const v6: Endpoint = { ip: hexToBytes('20010db8000000000000000000000001'), udpPort: 30301, tcpPort: 0 };
  const noIp: Endpoint = { ip: new Uint8Array(0), udpPort: 1, tcpPort: 2 };
  const token = keccak256(new Uint8Array([1]));
  const pub = publicKeyOf(key);
  const record = new EnrBuilder().ip(v4.ip).udp(30303).tcp(30303).sign(key, 5n);

  const messages: [string, Message][] = [
    ['ping IPv4 -> IPv6 with enr-seq', { type: PacketType.Ping, version: 4n, from: v4, to: v6, expiration: 1700000000n, enrSeq: 3n }],
    ['ping IPv6 -> IPv4 without enr-seq', { type: PacketType.Ping, version: 4n, from: v6, to: v4, expiration: 1n }],
    ['ping with empty from IP', { type: PacketType.Ping, version: 4n, from: noIp, to: v4, expiration: 1n }],
    ['pong IPv4', { type: PacketType.Pong, to: v4, replyToken: token, expiration: 2n ** 64n - 1n, enrSeq: 0n }],
    ['pong IPv6', { type: PacketType.Pong, to: v6, replyToken: token, expiration: 0n }],
    ['findnode', { type: PacketType.FindNode, target: pub, expiration: 1700000000n }],
    [
      'neighbors IPv4 and IPv6',
      {
        type: PacketType.Neighbors,
        nodes: [
          { ...v4, publicKey: pub },
          { ...v6, publicKey: pub },
        ],
        expiration: 1700000000n,
      },
    ],
    ['neighbors empty', { type: PacketType.Neighbors, nodes: [], expiration: 1n }],
    ['enr request', { type: PacketType.EnrRequest, expiration: 1700000000n }],
    ['enr response', { type: PacketType.EnrResponse, replyToken: token, record }],
    ['findnode with rest', { type: PacketType.FindNode, target: pub, expiration: 9n, rest: [hexToBytes('c3010203'), hexToBytes('80')] }],
  ];

  it.each(messages)('%s', (_name, m) => {
    const { packet, hash } = encodePacket(m, key);
    const p = decodePacket(packet);
    expect(p.hash).toEqual(hash);
    expect(p.publicKey).toEqual(pub);
    const { record: rec, ...rest } = p.message as Message & { record?: unknown };
    const { record: want, ...wantRest } = m as Message & { record?: unknown };
    expect(rest).toEqual({ rest: [], ...wantRest });
    if (want) expect(encodeEnr(rec as typeof record)).toEqual(encodeEnr(want as typeof record));
  });

  it('a decoded ENRResponse carries a verified record', () => {
    const { packet } = encodePacket({ type: PacketType.EnrResponse, replyToken: token, record }, key);
    const m = decodePacket(packet).message;
    expect(m.type === PacketType.EnrResponse && m.record.seq).toBe(5n);
    expect(m.type === PacketType.EnrResponse && m.record.udp()).toBe(30303);
  });

  it('rejects invalid values when encoding', () => {
    const ping = { type: PacketType.Ping, version: 4n, from: v4, to: v4, expiration: 1n } as const;
    expect(() => encodePacket({ ...ping, from: { ...v4, ip: new Uint8Array(5) } }, key)).toThrow(RangeError);
    expect(() => encodePacket({ ...ping, from: { ...v4, udpPort: 65536 } }, key)).toThrow(RangeError);
    expect(() => encodePacket({ ...ping, expiration: 2n ** 64n }, key)).toThrow(RangeError);
    expect(() => encodePacket({ ...ping, rest: [hexToBytes('01')] }, key)).toThrow(RangeError);
    expect(() => encodePacket({ type: PacketType.Pong, to: v4, replyToken: new Uint8Array(31), expiration: 1n }, key)).toThrow(RangeError);
    expect(() => encodePacket({ type: PacketType.FindNode, target: new Uint8Array(63), expiration: 1n }, key)).toThrow(RangeError);
  });
});

describe('discv4 decode errors', () => {
  const ping = hexToBytes(byName('ping_v4_plain').hex);

  it(`rejects packets shorter than ${MIN_PACKET_SIZE} bytes`, () => {
    expectPacketError(() => decodePacket(new Uint8Array(0)), 'too-small');
    expectPacketError(() => decodePacket(ping.subarray(0, MIN_PACKET_SIZE - 1)), 'too-small');
  });

  it(`rejects packets larger than ${MAX_PACKET_SIZE} bytes, even if otherwise valid`, () => {
    const body = rlpEncode([1n, new Uint8Array(MAX_PACKET_SIZE)]);
    expectPacketError(() => decodePacket(frame(PacketType.EnrRequest, body)), 'too-large');
    // trailing data alone can push a valid ping over the limit
    const pad = (n: number) => frame(PacketType.Ping, concatBytes(ping.subarray(98), new Uint8Array(n)));
    expect(pad(MAX_PACKET_SIZE - ping.length + 1).length).toBe(MAX_PACKET_SIZE + 1);
    expectPacketError(() => decodePacket(pad(MAX_PACKET_SIZE - ping.length + 1)), 'too-large');
    expect(decodePacket(pad(MAX_PACKET_SIZE - ping.length)).type).toBe(PacketType.Ping);
  });

  it('never encodes a packet larger than the limit', () => {
    const err = (() => {
      try {
        encodePacket({ type: PacketType.FindNode, target: new Uint8Array(64), expiration: 1n, rest: [rlpEncode(new Uint8Array(1200))] }, key);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(PacketError);
    expect((err as PacketError).reason).toBe('too-large');
  });

  it('rejects a wrong hash', () => {
    const bad = ping.slice();
    bad[0]! ^= 1;
    expectPacketError(() => decodePacket(bad), 'bad-hash');
  });

  it('reports unknown packet types distinctly', () => {
    for (const t of [0, 7, 0xff]) {
      const err = expectPacketError(() => decodePacket(frame(t, rlpEncode([1]))), 'unknown-type');
      expect(err.packetType).toBe(t);
    }
  });

  it('rejects an unrecoverable signature', () => {
    const sigData = ping.subarray(97);
    const sig = new Uint8Array(65); // r = s = 0
    const bad = concatBytes(keccak256(sig, sigData), sig, sigData);
    expectPacketError(() => decodePacket(bad), 'bad-signature');
    const badV = ping.slice(32);
    badV[64] = 4;
    expectPacketError(() => decodePacket(concatBytes(keccak256(badV), badV)), 'bad-signature');
  });

  it('a changed body recovers a different signer (no forgery of the vector key)', () => {
    const sigData = ping.slice(97);
    sigData[sigData.length - 1]! ^= 1; // expiration changes
    const bad = concatBytes(keccak256(ping.subarray(32, 97), sigData), ping.subarray(32, 97), sigData);
    const p = decodePacket(bad);
    expect(bytesToHex(p.publicKey)).not.toBe(file.node_pubkey);
  });

  it('names the failing body field', () => {
    const cases: [number, Uint8Array, string][] = [
      [PacketType.Ping, new Uint8Array(0), 'body'],
      [PacketType.Ping, rlpEncode([4, [new Uint8Array(4), 1, 1], [new Uint8Array(4), 1, 1]]), 'body'],
      [PacketType.Ping, rlpEncode([4, [new Uint8Array(4), 70000, 1], [new Uint8Array(4), 1, 1], 1]), 'from.udpPort'],
      [PacketType.Ping, rlpEncode([4, [new Uint8Array(4), 1, 1], [new Uint8Array(4), 1, 1], 2n ** 64n]), 'expiration'],
      [PacketType.Ping, rlpEncode([4, [new Uint8Array(4), 1, 1], [new Uint8Array(4), 1, 1], new Uint8Array([0, 1])]), 'expiration'],
      [PacketType.Pong, rlpEncode([[new Uint8Array(4), 1, 1], new Uint8Array(31), 1]), 'replyToken'],
      [PacketType.FindNode, rlpEncode([new Uint8Array(65), 1]), 'target'],
      [PacketType.Neighbors, rlpEncode([[[new Uint8Array(4), 1, 1]], 1]), 'nodes[0]'],
      [PacketType.Neighbors, rlpEncode([[[new Uint8Array(4), 1, 1, new Uint8Array(63)]], 1]), 'nodes[0].publicKey'],
      [PacketType.EnrRequest, rlpEncode(new Uint8Array(3)), 'body'],
      [PacketType.EnrResponse, rlpEncode([new Uint8Array(32), [new Uint8Array(64), 1]]), 'record.id'],
    ];
    for (const [type, body, field] of cases) {
      const err = expectPacketError(() => decodePacket(frame(type, body)), 'bad-body');
      expect(err.field, `${type} ${bytesToHex(body)}`).toBe(field);
      expect(err.publicKey).toEqual(publicKeyOf(key));
    }
  });

  it('keeps an extra element nested deeper than the eth raw bound: only the packet size bounds discv4', () => {
    let deep: RlpInput = [];
    for (let i = 0; i < 100; i++) deep = [deep];
    const extra = rlpEncode(deep);
    const body = rlpEncode([publicKeyOf(key), 1, deep]);
    const m = decodePacket(frame(PacketType.FindNode, body)).message;
    expect(m.type === PacketType.FindNode && hex(m.rest!)).toEqual([bytesToHex(extra)]);
  });

  it('accepts any IP length in endpoints, as geth does', () => {
    const body = rlpEncode([[[new Uint8Array(5), 1, 1, publicKeyOf(key)]], 1]);
    const m = decodePacket(frame(PacketType.Neighbors, body)).message;
    expect(m.type === PacketType.Neighbors && m.nodes[0]!.ip.length).toBe(5);
  });

  it('accepts higher versions and ignores extra elements inside endpoints', () => {
    const body = rlpEncode([999, [new Uint8Array(4), 1, 1, new Uint8Array([0x78])], [new Uint8Array(16), 2, 3, [9]], 1]);
    const m = decodePacket(frame(PacketType.Ping, body)).message;
    expect(m).toMatchObject({ version: 999n, to: { udpPort: 2, tcpPort: 3 } });
  });
});

describe('expiration', () => {
  it('is a separate check; decode accepts the 2006 vectors', () => {
    expect(isExpired(1136239445n, Date.now() / 1000)).toBe(true);
    expect(isExpired(1136239445n, 1136239445)).toBe(false);
    expect(isExpired(1136239445n, 1136239445.5)).toBe(true);
  });

  it('treats values >= 2^63 as expired (geth casts to int64)', () => {
    expect(isExpired(2n ** 63n, 0)).toBe(true);
    expect(isExpired(2n ** 63n - 1n, Date.now() / 1000)).toBe(false);
  });

  it('outgoing expiration is now + 20 s', () => {
    expect(expirationFrom(1000.7)).toBe(1020n);
    expect(isExpired(expirationFrom(1000), 1019)).toBe(false);
  });
});
