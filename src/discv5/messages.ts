/**
 * discv5 messages (discv5-wire.md "Protocol Messages"): `message-type || rlp(message-data)`,
 * each with a request ID of at most 8 bytes. PING, PONG, FINDNODE, NODES, TALKREQ, TALKRESP;
 * the topic messages (types 7-9) are not part of v5.1 as geth runs it and are refused.
 */
import { encBytes, encList, encUint } from '../common/rlp-encode.js';
import { DecodeError } from '../common/errors.js';
import { RlpReader } from '../common/rlp-reader.js';
import { decodeEnr, encodeEnr, type Enr } from '../enode/enr.js';
import { PacketError } from './errors.js';

/** Message type bytes (discv5-wire.md). */
export const MessageType = {
  Ping: 1,
  Pong: 2,
  FindNode: 3,
  Nodes: 4,
  TalkReq: 5,
  TalkResp: 6,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Longest request ID the spec allows (geth ErrInvalidReqID beyond it). */
export const MAX_REQUEST_ID_SIZE = 8;
/** Largest FINDNODE distance (256: the whole ID space). */
export const MAX_DISTANCE = 256;

export interface Ping { type: 1; reqId: Uint8Array; enrSeq: bigint }
export interface Pong { type: 2; reqId: Uint8Array; enrSeq: bigint; toIp: Uint8Array; toPort: number }
export interface FindNode { type: 3; reqId: Uint8Array; distances: number[] }
export interface Nodes {
  type: 4;
  reqId: Uint8Array;
  total: number;
  records: Enr[];
  /** Records in the received list that did not decode or verify (dropped from `records`). */
  invalidRecords?: number;
}
export interface TalkReq { type: 5; reqId: Uint8Array; protocol: Uint8Array; message: Uint8Array }
export interface TalkResp { type: 6; reqId: Uint8Array; message: Uint8Array }
export type Message = Ping | Pong | FindNode | Nodes | TalkReq | TalkResp;

const NAMES: Record<MessageType, string> = { 1: 'PING', 2: 'PONG', 3: 'FINDNODE', 4: 'NODES', 5: 'TALKREQ', 6: 'TALKRESP' };

/** The message's name as the spec writes it (logs, errors). */
export function messageName(type: MessageType): string {
  return NAMES[type];
}

/** `message-type || rlp(message-data)`: the plaintext that is encrypted into a packet. */
export function encodeMessage(m: Message): Uint8Array {
  let body: Uint8Array;
  switch (m.type) {
    case MessageType.Ping:
      body = encList([encBytes(m.reqId), encUint(m.enrSeq)]);
      break;
    case MessageType.Pong:
      body = encList([encBytes(m.reqId), encUint(m.enrSeq), encBytes(m.toIp), encUint(m.toPort)]);
      break;
    case MessageType.FindNode:
      body = encList([encBytes(m.reqId), encList(m.distances.map((d) => encUint(d)))]);
      break;
    case MessageType.Nodes:
      body = encList([encBytes(m.reqId), encUint(m.total), encList(m.records.map(encodeEnr))]);
      break;
    case MessageType.TalkReq:
      body = encList([encBytes(m.reqId), encBytes(m.protocol), encBytes(m.message)]);
      break;
    case MessageType.TalkResp:
      body = encList([encBytes(m.reqId), encBytes(m.message)]);
      break;
  }
  const out = new Uint8Array(1 + body.length);
  out[0] = m.type;
  out.set(body, 1);
  return out;
}

/**
 * Decodes a message plaintext. Throws {@link PacketError}: `empty-message`, `unknown-message`,
 * `bad-message` (RLP or a field; an invalid record in NODES too) or `request-id-too-long`.
 */
export function decodeMessage(pt: Uint8Array): Message {
  if (pt.length === 0) throw new PacketError('empty-message', 'message contains no data');
  const type = pt[0]!;
  if (type < MessageType.Ping || type > MessageType.TalkResp) throw new PacketError('unknown-message', `unknown message type ${type}`);
  let m: Message;
  try {
    const r = RlpReader.root(pt.subarray(1), `discv5 ${NAMES[type as MessageType]}`);
    const reqId = r.bytes('request-id');
    switch (type) {
      case MessageType.Ping:
        m = { type, reqId, enrSeq: r.uint64('enr-seq') };
        break;
      case MessageType.Pong: {
        const enrSeq = r.uint64('enr-seq');
        const toIp = r.bytes('recipient-ip');
        if (toIp.length !== 4 && toIp.length !== 16) throw new DecodeError('discv5 PONG', 'recipient-ip', `IP of ${toIp.length} bytes`);
        m = { type, reqId, enrSeq, toIp, toPort: Number(r.uint('recipient-port', 2)) };
        break;
      }
      case MessageType.FindNode: {
        const list = r.list('distances');
        const distances: number[] = [];
        // Distances above 256 are ignored by the handler (geth); an 8-byte integer is the most it reads.
        while (list.hasMore()) {
          const d = list.uint(distances.length, 8);
          distances.push(d > BigInt(MAX_DISTANCE) ? MAX_DISTANCE + 1 : Number(d));
        }
        m = { type, reqId, distances };
        break;
      }
      case MessageType.Nodes: {
        const total = Number(r.uint('total', 1));
        const list = r.list('enrs');
        const records: Enr[] = [];
        let invalid = 0;
        for (let i = 0; list.hasMore(); i++) {
          const raw = list.raw(i);
          // A record that does not verify is skipped, not the whole response (geth checks each
          // record after decoding the list).
          try {
            records.push(decodeEnr(raw));
          } catch (err) {
            if (!(err instanceof DecodeError)) throw err;
            invalid++;
          }
        }
        m = { type, reqId, total, records, invalidRecords: invalid };
        break;
      }
      case MessageType.TalkReq:
        m = { type, reqId, protocol: r.bytes('protocol'), message: r.bytes('request') };
        break;
      default:
        m = { type: MessageType.TalkResp, reqId, message: r.bytes('response') };
    }
    r.done();
  } catch (err) {
    if (err instanceof DecodeError) throw new PacketError('bad-message', err.message);
    throw err;
  }
  if (m.reqId.length > MAX_REQUEST_ID_SIZE) throw new PacketError('request-id-too-long', `request ID of ${m.reqId.length} bytes (max ${MAX_REQUEST_ID_SIZE})`);
  return m;
}
