/**
 * discv4 message bodies (devp2p discv4.md "Wire Protocol", EIP-868) and their RLP codecs.
 * Framing, hashing and signing live in packets.ts.
 *
 * Forward compatibility (EIP-8): list elements after the known fields are ignored on decode
 * and kept in `rest` (raw RLP, as geth's `rlp:"tail"`), so a newer peer's packets are read.
 *
 * EIP-868 enr-seq in Ping/Pong is decoded as geth decodes it since go-ethereum #22842
 * (`ENRSeq uint64 rlp:"optional"` followed by the tail): if a fifth element is present it must
 * be a canonical uint64, otherwise the packet is rejected. Two EIP-8 vectors (ping version
 * 555, pong) carry a list there; geth rejects them and removed them from its tests in
 * 3e6f46caec, and so do we. Reading a list there as "no enr-seq" would accept them, but then
 * we would treat packets differently from the network's majority client for no benefit.
 *
 * Reply tokens must be 32 bytes. geth's decoder takes any length, but such a token can match
 * no request, so rejecting it here changes nothing but the log line.
 */
import { encBytes, encList, encUint } from '../common/rlp-encode.js';
import { RlpReader } from '../common/rlp-reader.js';
import { decodeEnr, encodeEnr, type Enr } from '../enode/enr.js';
import { PUBLIC_KEY_SIZE, encodeNeighborNode, encodeEndpoint, readEndpoint, readNeighborNode, type Endpoint, type NeighborNode } from './endpoint.js';

/** Packet type bytes. */
export const PacketType = {
  Ping: 1,
  Pong: 2,
  FindNode: 3,
  Neighbors: 4,
  EnrRequest: 5,
  EnrResponse: 6,
} as const;
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

/** The discovery protocol version we send in Ping. */
export const DISCV4_VERSION = 4n;
/** Reply tokens are the 32-byte hash of the packet replied to. */
export const REPLY_TOKEN_SIZE = 32;
const MAX_UINT64 = (1n << 64n) - 1n;

/** Elements after the known fields (EIP-8), each as its raw RLP encoding. */
interface Tail {
  /** Decoded packets always have it (maybe empty); when encoding it is optional. */
  rest?: Uint8Array[];
}

/** PING: asks for a PONG; proves the sender's endpoint. */
export interface Ping extends Tail {
  type: typeof PacketType.Ping;
  /** Protocol version; any value is accepted (EIP-8), we send {@link DISCV4_VERSION}. */
  version: bigint;
  from: Endpoint;
  to: Endpoint;
  /** Unix seconds after which the packet is void; see isExpired in packets.ts. */
  expiration: bigint;
  /** EIP-868: sequence number of the sender's ENR. */
  enrSeq?: bigint;
}

/** PONG: the reply to PING. */
export interface Pong extends Tail {
  type: typeof PacketType.Pong;
  /** The endpoint the PING came from, as the replier saw it (tells us our external address). */
  to: Endpoint;
  /** Hash of the PING packet. */
  replyToken: Uint8Array;
  expiration: bigint;
  /** EIP-868: sequence number of the sender's ENR. */
  enrSeq?: bigint;
}

/** FINDNODE: asks for the nodes closest to `target`. */
export interface FindNode extends Tail {
  type: typeof PacketType.FindNode;
  /** A 64-byte public key; distance is measured to keccak256(target). */
  target: Uint8Array;
  expiration: bigint;
}

/** NEIGHBORS: the reply to FINDNODE, possibly split over several packets. */
export interface Neighbors extends Tail {
  type: typeof PacketType.Neighbors;
  nodes: NeighborNode[];
  expiration: bigint;
}

/** ENRREQUEST (EIP-868): asks for the recipient's node record. */
export interface EnrRequest extends Tail {
  type: typeof PacketType.EnrRequest;
  expiration: bigint;
}

/** ENRRESPONSE (EIP-868): the reply to ENRREQUEST. */
export interface EnrResponse extends Tail {
  type: typeof PacketType.EnrResponse;
  /** Hash of the ENRREQUEST packet. */
  replyToken: Uint8Array;
  /** The record, signature verified. */
  record: Enr;
}

/** Any discv4 message. */
export type Message = Ping | Pong | FindNode | Neighbors | EnrRequest | EnrResponse;

const NAMES: Record<PacketType, string> = {
  1: 'Ping',
  2: 'Pong',
  3: 'FindNode',
  4: 'Neighbors',
  5: 'ENRRequest',
  6: 'ENRResponse',
};

/** True if `t` is a known packet type byte. */
export function isPacketType(t: number): t is PacketType {
  return Number.isInteger(t) && t >= PacketType.Ping && t <= PacketType.EnrResponse;
}

/** The message name for logs ("Ping", "ENRResponse", ...). */
export function packetTypeName(t: PacketType): string {
  return NAMES[t];
}

// ---- encoding -----------------------------------------------------------------------------

function uint64(field: string, v: bigint): Uint8Array {
  if (v < 0n || v > MAX_UINT64) throw new RangeError(`${field}: ${v} out of uint64 range`);
  return encUint(v);
}

function fixedBytes(field: string, b: Uint8Array, length: number): Uint8Array {
  if (b.length !== length) throw new RangeError(`${field}: expected ${length} bytes, got ${b.length}`);
  return encBytes(b);
}

/** The kept extra elements, each already an encoded item. */
function tail(m: Tail): Uint8Array[] {
  return m.rest ?? [];
}

/** Ping/Pong: the optional enr-seq must be present if anything follows it. */
function enrSeqAndTail(m: Ping | Pong): Uint8Array[] {
  if (m.enrSeq === undefined) {
    if (m.rest?.length) throw new RangeError('rest: needs enrSeq, or rest[0] would be read as it');
    return [];
  }
  return [uint64('enrSeq', m.enrSeq), ...tail(m)];
}

/** The RLP body of a message (without the type byte). Throws RangeError for invalid values. */
export function encodeMessage(m: Message): Uint8Array {
  switch (m.type) {
    case PacketType.Ping:
      return encList([uint64('version', m.version), encodeEndpoint(m.from, 'from'), encodeEndpoint(m.to, 'to'), uint64('expiration', m.expiration), ...enrSeqAndTail(m)]);
    case PacketType.Pong:
      return encList([encodeEndpoint(m.to, 'to'), fixedBytes('replyToken', m.replyToken, REPLY_TOKEN_SIZE), uint64('expiration', m.expiration), ...enrSeqAndTail(m)]);
    case PacketType.FindNode:
      return encList([fixedBytes('target', m.target, PUBLIC_KEY_SIZE), uint64('expiration', m.expiration), ...tail(m)]);
    case PacketType.Neighbors:
      return encList([encList(m.nodes.map((n, i) => encodeNeighborNode(n, `nodes[${i}]`))), uint64('expiration', m.expiration), ...tail(m)]);
    case PacketType.EnrRequest:
      return encList([uint64('expiration', m.expiration), ...tail(m)]);
    case PacketType.EnrResponse:
      return encList([fixedBytes('replyToken', m.replyToken, REPLY_TOKEN_SIZE), encodeEnr(m.record), ...tail(m)]);
  }
}

// ---- decoding -----------------------------------------------------------------------------

/**
 * The elements after the known fields, each a copy of its encoding. Nesting is bounded by
 * the packet's size only, as it always was: they are kept, not read.
 */
function restOf(r: RlpReader): Uint8Array[] {
  const rest: Uint8Array[] = [];
  while (r.hasMore()) rest.push(r.raw(`[${rest.length}]`, Number.POSITIVE_INFINITY).slice());
  return rest;
}

/**
 * Decodes a message body: the RLP list at the start of `body` (bytes after it are ignored,
 * EIP-8). Throws DecodeError naming the field (EnrError for the record of an ENRResponse).
 */
export function decodeMessage(type: PacketType, body: Uint8Array): Message {
  const r = RlpReader.root(body, NAMES[type], { name: 'body', trailing: true });
  switch (type) {
    case PacketType.Ping: {
      r.atLeast(4);
      const ping: Ping = { type, version: r.uint('version', 8), from: readEndpoint(r, 'from'), to: readEndpoint(r, 'to'), expiration: r.uint('expiration', 8), rest: [] };
      if (r.hasMore()) ping.enrSeq = r.uint('enrSeq', 8);
      ping.rest = restOf(r);
      return ping;
    }
    case PacketType.Pong: {
      r.atLeast(3);
      const pong: Pong = { type, to: readEndpoint(r, 'to'), replyToken: r.bytes('replyToken', REPLY_TOKEN_SIZE), expiration: r.uint('expiration', 8), rest: [] };
      if (r.hasMore()) pong.enrSeq = r.uint('enrSeq', 8);
      pong.rest = restOf(r);
      return pong;
    }
    case PacketType.FindNode:
      r.atLeast(2);
      return { type, target: r.bytes('target', PUBLIC_KEY_SIZE), expiration: r.uint('expiration', 8), rest: restOf(r) };
    case PacketType.Neighbors: {
      r.atLeast(2);
      const nodes = r.list('nodes').map((l, name) => readNeighborNode(l, name));
      return { type, nodes, expiration: r.uint('expiration', 8), rest: restOf(r) };
    }
    case PacketType.EnrRequest:
      r.atLeast(1);
      return { type, expiration: r.uint('expiration', 8), rest: restOf(r) };
    case PacketType.EnrResponse:
      r.atLeast(2);
      return { type, replyToken: r.bytes('replyToken', REPLY_TOKEN_SIZE), record: decodeEnr(r.raw('record', Number.POSITIVE_INFINITY)), rest: restOf(r) };
  }
}
