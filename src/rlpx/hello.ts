/**
 * The devp2p base protocol messages (rlpx.md "p2p Capability"): Hello, Disconnect, Ping, Pong.
 * Message IDs 0x00-0x0f belong to it; capabilities start at 0x10.
 */
import { asBytes, asList, asUint, rlpDecode, rlpEncode, type RlpItem } from '../common/rlp.js';
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

export function encodeHello(h: Hello): Uint8Array {
  return rlpEncode([
    h.protocolVersion,
    enc.encode(h.clientId),
    h.capabilities.map((c) => [enc.encode(c.name), c.version]),
    h.listenPort,
    h.publicKey,
  ]);
}

/**
 * Decodes Hello; extra list elements (in Hello and in capability entries) are ignored as EIP-8
 * requires. The node ID is returned as sent; the session checks its length and identity so it
 * can answer with the right Disconnect reason.
 */
export function decodeHello(data: Uint8Array): Hello {
  if (data.length > MAX_HELLO_SIZE) throw new DecodeError('Hello', 'size', `${data.length} bytes exceeds ${MAX_HELLO_SIZE}`);
  const l = asList(rlpDecode(data, 'Hello'), 'Hello', 'message', 5);
  const caps = asList(l[2], 'Hello', 'capabilities').map((c, i) => {
    const e = asList(c, 'Hello', `capabilities[${i}]`, 2);
    const name = asBytes(e[0], 'Hello', `capabilities[${i}].name`);
    if (name.length === 0 || name.length > 8) throw new DecodeError('Hello', `capabilities[${i}].name`, 'must be 1-8 bytes');
    return { name: dec.decode(name), version: asUint(e[1], 'Hello', `capabilities[${i}].version`, 4) };
  });
  return {
    protocolVersion: asUint(l[0], 'Hello', 'protocolVersion', 4),
    clientId: dec.decode(asBytes(l[1], 'Hello', 'clientId')),
    capabilities: caps,
    listenPort: asUint(l[3], 'Hello', 'listenPort', 2),
    publicKey: asBytes(l[4], 'Hello', 'nodeId'),
  };
}

/** Disconnect payload as we send it: `[reason]`. */
export function encodeDisconnect(reason: DisconnectReason): Uint8Array {
  return rlpEncode([reason]);
}

/**
 * Decodes a Disconnect payload. Accepts `[reason]`, a bare reason byte (older geth and others
 * sent that), and an empty list or empty payload (read as Requested).
 */
export function decodeDisconnect(data: Uint8Array): number {
  if (data.length === 0) return DisconnectReason.Requested;
  let item: RlpItem;
  try {
    item = rlpDecode(data, 'Disconnect', true);
  } catch {
    // A single raw byte that is not valid RLP on its own cannot happen (< 0x80 is valid RLP),
    // so anything else is malformed.
    throw new DecodeError('Disconnect', 'reason', 'not RLP');
  }
  if (Array.isArray(item)) {
    if (item.length === 0) return DisconnectReason.Requested;
    return asUint(item[0], 'Disconnect', 'reason', 1);
  }
  return asUint(item, 'Disconnect', 'reason', 1);
}

/** Ping and Pong carry an empty list. */
export const EMPTY_LIST = Uint8Array.of(0xc0);
