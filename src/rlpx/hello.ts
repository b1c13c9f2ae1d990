/**
 * The devp2p base protocol messages (rlpx.md "p2p Capability"): Hello, Disconnect, Ping, Pong.
 * Message IDs 0x00-0x0f belong to it; capabilities start at 0x10.
 */
import { encBytes, encList, encUint } from '../common/rlp-encode.js';
import { RlpReader } from '../common/rlp-reader.js';
import { DecodeError } from '../common/errors.js';
import { DisconnectReason } from './disconnect-reason.js';

export const BASE_PROTOCOL_VERSION = 5;
/** Message IDs reserved by the base protocol. */
export const BASE_PROTOCOL_LENGTH = 16;
/** Largest Hello we accept, as geth (baseProtocolMaxMsgSize). */
export const MAX_HELLO_SIZE = 2 * 1024;

export const enum BaseCode {
  Hello = 0x00,
  Disconnect = 0x01,
  Ping = 0x02,
  Pong = 0x03,
}

/** A capability as Hello lists it. */
export interface Capability {
  name: string;
  version: number;
}

/** Decoded Hello. `publicKey` is the 64-byte key devp2p calls the node ID. */
export interface Hello {
  protocolVersion: number;
  clientId: string;
  capabilities: Capability[];
  listenPort: number;
  publicKey: Uint8Array;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Encodes Hello with the composed encoders (no generic tree walk, no integer-to-hex round trip). */
export function encodeHello(h: Hello): Uint8Array {
  return encList([
    encUint(h.protocolVersion),
    encBytes(enc.encode(h.clientId)),
    encList(h.capabilities.map((c) => encList([encBytes(enc.encode(c.name)), encUint(c.version)]))),
    encUint(h.listenPort),
    encBytes(h.publicKey),
  ]);
}

/**
 * Decodes Hello; extra list elements (in Hello and in capability entries) are ignored as EIP-8
 * requires. The node ID is returned as sent; the session checks its length and identity so it
 * can answer with the right Disconnect reason.
 */
export function decodeHello(data: Uint8Array): Hello {
  if (data.length > MAX_HELLO_SIZE) throw new DecodeError('Hello', 'size', `${data.length} bytes exceeds ${MAX_HELLO_SIZE}`);
  const r = RlpReader.root(data, 'Hello');
  r.atLeast(5);
  const protocolVersion = Number(r.uint('protocolVersion', 4));
  const clientId = dec.decode(r.bytesView('clientId'));
  // listItems sizes the array to the list (a session keeps it for its life; pushing into an
  // empty array would reserve room for 17).
  const capabilities = r.listItems('capabilities', (l, i) => {
    const e = l.list(i);
    e.atLeast(2);
    const name = e.bytesView('name');
    if (name.length === 0 || name.length > 8) throw new DecodeError('Hello', e.pathOf('name'), 'must be 1-8 bytes');
    return { name: dec.decode(name), version: Number(e.uint('version', 4)) };
  });
  return { protocolVersion, clientId, capabilities, listenPort: Number(r.uint('listenPort', 2)), publicKey: r.bytes('nodeId') };
}

/** Disconnect payload as we send it: `[reason]`. */
export function encodeDisconnect(reason: DisconnectReason): Uint8Array {
  return encList([encUint(reason)]);
}

/**
 * Decodes a Disconnect payload. Accepts `[reason]`, a bare reason byte (older geth and others
 * sent that), and an empty list or empty payload (read as Requested).
 */
export function decodeDisconnect(data: Uint8Array): number {
  if (data.length === 0) return DisconnectReason.Requested;
  // The first item only (bytes after it are ignored): a list [reason, ...] or a bare reason.
  let reason: RlpReader;
  try {
    const top = RlpReader.over(data, 'Disconnect', 'reason');
    reason = top.nextIsList('') ? RlpReader.root(data, 'Disconnect', { name: 'reason', trailing: true }) : top;
  } catch {
    // A single raw byte that is not valid RLP on its own cannot happen (< 0x80 is valid RLP),
    // so anything else is malformed.
    throw new DecodeError('Disconnect', 'reason', 'not RLP');
  }
  if (!reason.hasMore()) return DisconnectReason.Requested;
  return Number(reason.uint('', 1));
}

/** Ping and Pong carry an empty list. */
export const EMPTY_LIST = Uint8Array.of(0xc0);
