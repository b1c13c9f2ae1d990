/**
 * discv4 packet framing: `hash(32) || signature(65) || type(1) || rlp(body) [|| ignored]`,
 * where signature = sign(keccak256(type || body)) as r || s || v and
 * hash = keccak256(signature || type || body). The hash protects nothing (anyone can compute
 * it); it is the packet's name, echoed as the reply token.
 */
import { DecodeError } from '../common/errors.js';
import { concatBytes, equalBytes } from '../common/bytes.js';
import { keccak256 } from '../crypto/keccak.js';
import { recoverPublicKey, sign } from '../crypto/secp256k1.js';
import { PacketError } from './errors.js';
import { decodeMessage, encodeMessage, isPacketType, packetTypeName, type Message, type PacketType } from './messages.js';

/** Largest datagram we accept or send (geth's read buffer; the IPv6 minimum MTU). */
export const MAX_PACKET_SIZE = 1280;
const HASH_SIZE = 32;
const SIGNATURE_SIZE = 65;
/** hash + signature: the bytes before the type byte. */
export const HEADER_SIZE = HASH_SIZE + SIGNATURE_SIZE;
/** Smallest possible packet: header and a type byte (geth's ErrPacketTooSmall bound). */
export const MIN_PACKET_SIZE = HEADER_SIZE + 1;
/** How far in the future we set `expiration` (geth's `expiration` constant). */
export const PACKET_TTL_SECONDS = 20;

/**
 * How packets are signed and their sender recovered. The protocol always uses
 * {@link SECP256K1_SIGNER}; simulation.ts has an unsigned stand-in so that hundreds of nodes
 * can run in one process without spending their time in ECDSA.
 */
export interface PacketSigner {
  /** 65-byte signature of a 32-byte digest. */
  sign(digest: Uint8Array, privateKey: Uint8Array): Uint8Array;
  /** The 64-byte public key that made `signature`; throws if it cannot be recovered. */
  recover(digest: Uint8Array, signature: Uint8Array): Uint8Array;
}

/** secp256k1 recoverable signatures, as discv4 specifies. */
export const SECP256K1_SIGNER: PacketSigner = { sign, recover: recoverPublicKey };

/** A packet that passed framing, signature and body checks. */
export interface DecodedPacket {
  /** The packet hash (what a reply quotes as its reply token). */
  hash: Uint8Array;
  /** The signer's 64-byte public key, recovered from the signature. */
  publicKey: Uint8Array;
  /** keccak256(publicKey). */
  nodeId: Uint8Array;
  /** Same as `message.type`. */
  type: PacketType;
  message: Message;
}

/**
 * Encodes and signs a message. Returns the datagram and its hash (kept to match the reply).
 * Throws RangeError for invalid field values and {@link PacketError} `too-large` if the packet
 * would exceed {@link MAX_PACKET_SIZE}.
 */
export function encodePacket(message: Message, privateKey: Uint8Array, signer: PacketSigner = SECP256K1_SIGNER): { packet: Uint8Array; hash: Uint8Array } {
  const sigData = concatBytes(Uint8Array.of(message.type), encodeMessage(message));
  if (HEADER_SIZE + sigData.length > MAX_PACKET_SIZE) {
    throw new PacketError('too-large', `${packetTypeName(message.type)} packet would be ${HEADER_SIZE + sigData.length} bytes, limit ${MAX_PACKET_SIZE}`);
  }
  const signature = signer.sign(keccak256(sigData), privateKey);
  const hash = keccak256(signature, sigData);
  return { packet: concatBytes(hash, signature, sigData), hash };
}

/**
 * Decodes a datagram. Does not check expiration (see {@link isExpired}): the caller decides,
 * and test vectors are from 2006. Bytes after the body's RLP list and extra list elements are
 * ignored (EIP-8). Throws only {@link PacketError}.
 *
 * Order of checks: size, hash, type, signature, body. The type is checked before the
 * (costly) signature recovery so unknown datagrams on a shared port are dropped cheaply.
 */
export function decodePacket(data: Uint8Array, signer: PacketSigner = SECP256K1_SIGNER): DecodedPacket {
  if (data.length < MIN_PACKET_SIZE) throw new PacketError('too-small', `${data.length} bytes, need ${MIN_PACKET_SIZE}`);
  if (data.length > MAX_PACKET_SIZE) throw new PacketError('too-large', `${data.length} bytes, limit ${MAX_PACKET_SIZE}`);
  const hash = data.subarray(0, HASH_SIZE);
  const signature = data.subarray(HASH_SIZE, HEADER_SIZE);
  const sigData = data.subarray(HEADER_SIZE);
  if (!equalBytes(hash, keccak256(data.subarray(HASH_SIZE)))) throw new PacketError('bad-hash', 'hash mismatch');
  const type = sigData[0]!;
  if (!isPacketType(type)) throw new PacketError('unknown-type', `unknown packet type ${type}`, { hash, packetType: type });
  let publicKey: Uint8Array;
  try {
    publicKey = signer.recover(keccak256(sigData), signature);
  } catch (err) {
    throw new PacketError('bad-signature', (err as Error).message, { hash, packetType: type });
  }
  let message: Message;
  try {
    if (sigData.length === 1) throw new DecodeError(packetTypeName(type), 'body', 'empty');
    message = decodeMessage(type, sigData.subarray(1));
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    const field = err.what === 'ENR' ? `record.${err.field}` : err.field;
    throw new PacketError('bad-body', err.message, { field, hash, packetType: type, publicKey });
  }
  return { hash: hash.slice(), publicKey, nodeId: keccak256(publicKey), type, message };
}

/**
 * True if a packet's `expiration` (Unix seconds) is in the past at `nowSeconds`, as geth's
 * v4wire.Expired decides. geth converts the uint64 to int64 first, so values of 2^63 and
 * above count as expired; we do the same.
 */
export function isExpired(expiration: bigint, nowSeconds: number): boolean {
  if (expiration >= 1n << 63n) return true;
  return Number(expiration) < nowSeconds;
}

/** The expiration to put in an outgoing packet: `nowSeconds` + {@link PACKET_TTL_SECONDS}. */
export function expirationFrom(nowSeconds: number, ttlSeconds = PACKET_TTL_SECONDS): bigint {
  return BigInt(Math.floor(nowSeconds) + ttlSeconds);
}
