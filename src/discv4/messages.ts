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
import { asBigUint, asBytes, asList, rlpDecode, rlpEncode, type RlpInput, type RlpItem } from '../common/rlp.js';
import { decodeEnrItem, encodeEnr, type Enr } from '../enode/enr.js';
import {
  PUBLIC_KEY_SIZE,
  decodeEndpoint,
  decodeNeighborNode,
  encodeEndpoint,
  encodeNeighborNode,
  type Endpoint,
  type NeighborNode,
} from './endpoint.js';

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

function uint64(field: string, v: bigint): bigint {
  if (v < 0n || v > MAX_UINT64) throw new RangeError(`${field}: ${v} out of uint64 range`);
  return v;
}

function fixedBytes(field: string, b: Uint8Array, length: number): Uint8Array {
  if (b.length !== length) throw new RangeError(`${field}: expected ${length} bytes, got ${b.length}`);
  return b;
}

function tail(m: Tail): RlpItem[] {
  return (m.rest ?? []).map((raw) => rlpDecode(raw, 'rest'));
}

/** Ping/Pong: the optional enr-seq must be present if anything follows it. */
function enrSeqAndTail(m: Ping | Pong): RlpInput[] {
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
      return rlpEncode([
        uint64('version', m.version),
        encodeEndpoint(m.from, 'from'),
        encodeEndpoint(m.to, 'to'),
        uint64('expiration', m.expiration),
        ...enrSeqAndTail(m),
      ]);
    case PacketType.Pong:
      return rlpEncode([
        encodeEndpoint(m.to, 'to'),
        fixedBytes('replyToken', m.replyToken, REPLY_TOKEN_SIZE),
        uint64('expiration', m.expiration),
        ...enrSeqAndTail(m),
      ]);
    case PacketType.FindNode:
      return rlpEncode([fixedBytes('target', m.target, PUBLIC_KEY_SIZE), uint64('expiration', m.expiration), ...tail(m)]);
    case PacketType.Neighbors:
      return rlpEncode([
        m.nodes.map((n, i) => encodeNeighborNode(n, `nodes[${i}]`)),
        uint64('expiration', m.expiration),
        ...tail(m),
      ]);
    case PacketType.EnrRequest:
      return rlpEncode([uint64('expiration', m.expiration), ...tail(m)]);
    case PacketType.EnrResponse:
      return rlpEncode([
        fixedBytes('replyToken', m.replyToken, REPLY_TOKEN_SIZE),
        rlpDecode(encodeEnr(m.record), 'ENR'),
        ...tail(m),
      ]);
  }
}

// ---- decoding -----------------------------------------------------------------------------

const rawTail = (l: RlpItem[], from: number): Uint8Array[] => l.slice(from).map((item) => rlpEncode(item));

/**
 * Reads a message body from its RLP list. Throws DecodeError naming the field (EnrError for
 * the record of an ENRResponse).
 */
export function decodeMessage(type: PacketType, item: RlpItem): Message {
  const what = NAMES[type];
  switch (type) {
    case PacketType.Ping: {
      const l = asList(item, what, 'body', 4);
      const ping: Ping = {
        type,
        version: asBigUint(l[0], what, 'version', 8),
        from: decodeEndpoint(l[1], what, 'from'),
        to: decodeEndpoint(l[2], what, 'to'),
        expiration: asBigUint(l[3], what, 'expiration', 8),
        rest: rawTail(l, 5),
      };
      if (l.length > 4) ping.enrSeq = asBigUint(l[4], what, 'enrSeq', 8);
      return ping;
    }
    case PacketType.Pong: {
      const l = asList(item, what, 'body', 3);
      const pong: Pong = {
        type,
        to: decodeEndpoint(l[0], what, 'to'),
        replyToken: asBytes(l[1], what, 'replyToken', REPLY_TOKEN_SIZE),
        expiration: asBigUint(l[2], what, 'expiration', 8),
        rest: rawTail(l, 4),
      };
      if (l.length > 3) pong.enrSeq = asBigUint(l[3], what, 'enrSeq', 8);
      return pong;
    }
    case PacketType.FindNode: {
      const l = asList(item, what, 'body', 2);
      return {
        type,
        target: asBytes(l[0], what, 'target', PUBLIC_KEY_SIZE),
        expiration: asBigUint(l[1], what, 'expiration', 8),
        rest: rawTail(l, 2),
      };
    }
    case PacketType.Neighbors: {
      const l = asList(item, what, 'body', 2);
      return {
        type,
        nodes: asList(l[0], what, 'nodes').map((n, i) => decodeNeighborNode(n, what, `nodes[${i}]`)),
        expiration: asBigUint(l[1], what, 'expiration', 8),
        rest: rawTail(l, 2),
      };
    }
    case PacketType.EnrRequest: {
      const l = asList(item, what, 'body', 1);
      return { type, expiration: asBigUint(l[0], what, 'expiration', 8), rest: rawTail(l, 1) };
    }
    case PacketType.EnrResponse: {
      const l = asList(item, what, 'body', 2);
      return {
        type,
        replyToken: asBytes(l[0], what, 'replyToken', REPLY_TOKEN_SIZE),
        record: decodeEnrItem(l[1]!),
        rest: rawTail(l, 2),
      };
    }
  }
}
