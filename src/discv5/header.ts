/**
 * The discv5 packet header (discv5-wire.md "Packet Encoding"):
 *
 *     packet        = masking-iv || masked-header || message
 *     masked-header = aesctr_encrypt(dest-id[:16], masking-iv, header)
 *     header        = static-header || authdata
 *     static-header = protocol-id || version || flag || nonce || authdata-size
 *
 * The unmasked `masking-iv || header` is the AES-GCM associated data of the message (and, for
 * WHOAREYOU, the challenge data).
 */
import { AesCtr, aesCtr } from '../crypto/aes.js';
import { PacketError } from './errors.js';

/** "discv5" (geth DefaultProtocolID). */
export const PROTOCOL_ID = new Uint8Array([0x64, 0x69, 0x73, 0x63, 0x76, 0x35]);
/** Header version we write; lower versions are refused (geth version, minVersion). */
export const PROTOCOL_VERSION = 1;
export const MASKING_IV_SIZE = 16;
/** protocol-id (6) || version (2) || flag (1) || nonce (12) || authdata-size (2). */
export const STATIC_HEADER_SIZE = 23;
/** The AES-GCM nonce carried in every header. */
export const NONCE_SIZE = 12;
/** Smallest packet: iv, static header, WHOAREYOU authdata (geth minPacketSize). */
export const MIN_PACKET_SIZE = 63;
/** Largest packet we send or read (geth maxPacketSize). */
export const MAX_PACKET_SIZE = 1280;
/** Bytes after the static header that a message or handshake packet needs at least (geth minMessageSize). */
export const MIN_MESSAGE_SIZE = 48;
/** Random bytes in place of a message when no session exists (geth randomPacketMsgSize). */
export const RANDOM_PACKET_MESSAGE_SIZE = 20;
/** authdata sizes: message (src-id), WHOAREYOU (id-nonce, enr-seq), fixed part of a handshake (src-id, sig-size, eph-key-size). */
export const MESSAGE_AUTH_SIZE = 32;
export const WHOAREYOU_AUTH_SIZE = 24;
export const HANDSHAKE_AUTH_FIXED_SIZE = 34;

/** The packet kinds, by their header flag. */
export const Flag = { Message: 0, Whoareyou: 1, Handshake: 2 } as const;
export type Flag = (typeof Flag)[keyof typeof Flag];

const STATIC_END = MASKING_IV_SIZE + STATIC_HEADER_SIZE;

/** A header read from (or about to be written to) a packet. */
export interface Header {
  iv: Uint8Array;
  flag: Flag;
  nonce: Uint8Array;
  authData: Uint8Array;
}

/** A decoded header, the unmasked `iv || header` (message AD), and the message bytes after it. */
export interface ReadHeader extends Header {
  headerData: Uint8Array;
  message: Uint8Array;
}

/** `masking-iv || static-header || authdata`, unmasked. */
export function headerBytes(h: Header): Uint8Array {
  const out = new Uint8Array(STATIC_END + h.authData.length);
  out.set(h.iv, 0);
  out.set(PROTOCOL_ID, MASKING_IV_SIZE);
  out[MASKING_IV_SIZE + 6] = PROTOCOL_VERSION >> 8;
  out[MASKING_IV_SIZE + 7] = PROTOCOL_VERSION & 0xff;
  out[MASKING_IV_SIZE + 8] = h.flag;
  out.set(h.nonce, MASKING_IV_SIZE + 9);
  out[MASKING_IV_SIZE + 21] = h.authData.length >> 8;
  out[MASKING_IV_SIZE + 22] = h.authData.length & 0xff;
  out.set(h.authData, STATIC_END);
  return out;
}

/** The packet: unmasked header data masked for `destId`, followed by `message`. */
export function maskPacket(destId: Uint8Array, headerData: Uint8Array, message: Uint8Array): Uint8Array {
  const out = new Uint8Array(headerData.length + message.length);
  out.set(headerData.subarray(0, MASKING_IV_SIZE));
  out.set(aesCtr(destId.subarray(0, 16), headerData.subarray(0, MASKING_IV_SIZE), headerData.subarray(MASKING_IV_SIZE)), MASKING_IV_SIZE);
  out.set(message, headerData.length);
  return out;
}

/**
 * Unmasks and checks the header of a packet addressed to `localId` (geth Codec.Decode up to the
 * flag switch). Throws {@link PacketError}: `too-short` / `too-large` / `bad-header` (not discv5),
 * `bad-version`, `bad-auth-size`.
 */
export function readHeader(localId: Uint8Array, packet: Uint8Array): ReadHeader {
  if (packet.length < MIN_PACKET_SIZE) throw new PacketError('too-short', `packet of ${packet.length} bytes (min ${MIN_PACKET_SIZE})`);
  if (packet.length > MAX_PACKET_SIZE) throw new PacketError('too-large', `packet of ${packet.length} bytes (max ${MAX_PACKET_SIZE})`);
  const iv = packet.subarray(0, MASKING_IV_SIZE);
  // One CTR stream: the static header first (to learn the authdata size), then the authdata.
  const headerData = new Uint8Array(packet.length);
  headerData.set(iv);
  const ctr = new AesCtr(localId.subarray(0, 16), iv);
  const unmaskedStatic = headerData.subarray(MASKING_IV_SIZE, STATIC_END);
  ctr.process(packet.subarray(MASKING_IV_SIZE, STATIC_END), unmaskedStatic);
  for (let i = 0; i < PROTOCOL_ID.length; i++) {
    if (unmaskedStatic[i] !== PROTOCOL_ID[i]) throw new PacketError('bad-header', 'protocol ID mismatch');
  }
  const version = (unmaskedStatic[6]! << 8) | unmaskedStatic[7]!;
  if (version < PROTOCOL_VERSION) throw new PacketError('bad-version', `header version ${version}`);
  const flag = unmaskedStatic[8]!;
  const authSize = (unmaskedStatic[21]! << 8) | unmaskedStatic[22]!;
  const remaining = packet.length - STATIC_END;
  if (flag !== Flag.Whoareyou && remaining < MIN_MESSAGE_SIZE) throw new PacketError('too-short', `message packet with ${remaining} bytes after the static header (min ${MIN_MESSAGE_SIZE})`);
  if (authSize > remaining) throw new PacketError('bad-auth-size', `authdata of ${authSize} bytes in ${remaining}`);
  const end = STATIC_END + authSize;
  if (flag > Flag.Handshake) throw new PacketError('bad-flag', `flag ${flag}`);
  ctr.process(packet.subarray(STATIC_END, end), headerData.subarray(STATIC_END, end));
  const h = headerData.subarray(0, end);
  return {
    iv: h.subarray(0, MASKING_IV_SIZE),
    flag: flag as Flag,
    nonce: h.subarray(MASKING_IV_SIZE + 9, MASKING_IV_SIZE + 21),
    authData: h.subarray(STATIC_END, end),
    headerData: h,
    message: packet.subarray(end),
  };
}
