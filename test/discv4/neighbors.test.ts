import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../../src/common/bytes.js';
import { publicKeyOf } from '../../src/crypto/secp256k1.js';
import {
  MAX_NEIGHBORS,
  MAX_PACKET_SIZE,
  PacketError,
  PacketType,
  decodePacket,
  encodePacket,
  splitNeighbors,
  type NeighborNode,
} from '../../src/discv4/index.js';

const key = hexToBytes('b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291');
const MAX_EXPIRATION = 2n ** 64n - 1n;

/** The largest node encoding: IPv6 and 3-byte ports. */
const bigNode = (i: number): NeighborNode => ({
  ip: new Uint8Array(16).fill(0xff - i),
  udpPort: 0xffff,
  tcpPort: 0xffff - i,
  publicKey: new Uint8Array(64).fill(i + 1),
});

describe('Neighbors splitting', () => {
  it(`splits 16 IPv6 nodes into ${MAX_NEIGHBORS} + 4, each packet <= ${MAX_PACKET_SIZE} bytes`, () => {
    const nodes = Array.from({ length: 16 }, (_, i) => bigNode(i));
    const msgs = splitNeighbors(nodes, MAX_EXPIRATION);
    expect(msgs.map((m) => m.nodes.length)).toEqual([12, 4]);
    const decoded: NeighborNode[] = [];
    for (const m of msgs) {
      const { packet } = encodePacket(m, key);
      expect(packet.length).toBeLessThanOrEqual(MAX_PACKET_SIZE);
      const d = decodePacket(packet).message;
      if (d.type === PacketType.Neighbors) decoded.push(...d.nodes);
    }
    expect(decoded).toEqual(nodes);
  });

  it(`${MAX_NEIGHBORS} worst-case nodes fit (1205 bytes); one more does not`, () => {
    const twelve = Array.from({ length: MAX_NEIGHBORS }, (_, i) => bigNode(i));
    const { packet } = encodePacket({ type: PacketType.Neighbors, nodes: twelve, expiration: MAX_EXPIRATION }, key);
    expect(packet.length).toBe(1205);
    const thirteen = [...twelve, bigNode(12)];
    expect(() => encodePacket({ type: PacketType.Neighbors, nodes: thirteen, expiration: MAX_EXPIRATION }, key)).toThrow(
      PacketError,
    );
  });

  it('sends one empty message for no nodes, like geth', () => {
    expect(splitNeighbors([], 1n)).toEqual([{ type: PacketType.Neighbors, nodes: [], expiration: 1n }]);
  });

  it('keeps order and exact multiples produce no empty tail', () => {
    const nodes = Array.from({ length: 24 }, (_, i) => ({ ...bigNode(i), publicKey: publicKeyOf(key) }));
    const msgs = splitNeighbors(nodes, 5n);
    expect(msgs.map((m) => m.nodes.length)).toEqual([12, 12]);
    expect(msgs.flatMap((m) => m.nodes)).toEqual(nodes);
    expect(msgs.every((m) => m.expiration === 5n)).toBe(true);
  });
});
