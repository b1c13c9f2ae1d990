/**
 * The RLPx ECIES handshake (rlpx.md "Initial Handshake", EIP-8), as pure functions:
 * building and reading auth/ack packets and deriving the session secrets.
 *
 * We send only the EIP-8 format and accept only the EIP-8 format, with extra list elements
 * and any version. The pre-EIP-8 (fixed-size) format is recognised and refused with a clear
 * {@link HandshakeError}: geth removed it in 2021 (#22899) and no maintained client sends it.
 */
import { keccak256 } from '../crypto/keccak.js';
import { randomBytes, randomInt } from '../crypto/random.js';
import { CurvePoint, ecdh, generateKeyPair, privateKeyFrom, publicKeyOf, recoverPublicKey, sign } from '../crypto/secp256k1.js';
import { encBytes, encList, encUint } from '../common/rlp-encode.js';
import { RlpReader } from '../common/rlp-reader.js';
import { DecodeError } from '../common/errors.js';
import { eciesDecrypt, eciesEncryptInto, ECIES_OVERHEAD, ECIES_PLAINTEXT_AT, ECIES_RANDOM_BYTES } from './ecies.js';
import { EciesError, HandshakeError } from './errors.js';

/** Largest auth or ack packet we accept (size prefix included), as geth since #30029. */
export const MAX_HANDSHAKE_PACKET = 2048;
/** auth-vsn / ack-vsn we send. */
export const HANDSHAKE_VERSION = 4;
/** Size of a pre-EIP-8 auth packet, recognised only to refuse it clearly. */
export const LEGACY_AUTH_SIZE = 307;

/** Secrets derived from a completed handshake (rlpx.md "Secrets"). */
export interface HandshakeSecrets {
  aesSecret: Uint8Array;
  macSecret: Uint8Array;
  /** Initial data for our egress MAC: (mac-secret ^ remote nonce) || packet we sent. */
  egressMacInit: Uint8Array;
  /** Initial data for our ingress MAC: (mac-secret ^ our nonce) || packet we received. */
  ingressMacInit: Uint8Array;
  /** The remote's static 64-byte public key. */
  remotePublicKey: Uint8Array;
}

/** Decoded auth body (EIP-8). */
export interface AuthBody {
  signature: Uint8Array;
  initiatorPublicKey: Uint8Array;
  initiatorNonce: Uint8Array;
  version: number;
}

/** Decoded ack body (EIP-8). */
export interface AckBody {
  recipientEphemeralKey: Uint8Array;
  recipientNonce: Uint8Array;
  version: number;
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Padding added to auth and ack, as geth: 100-199 random bytes, so sizes do not fingerprint the client. */
const MIN_PADDING = 100;
const MAX_PADDING = 199;
/**
 * Random bytes one side of the handshake uses, taken in one request (each request has a fixed
 * cost): ephemeral key, nonce, padding length (4) and padding, ECIES key and IV.
 */
export const HANDSHAKE_RANDOM_BYTES = 32 + 32 + 4 + MAX_PADDING + ECIES_RANDOM_BYTES;

/**
 * One side's randomness, drawn at once and handed out in slices, each used once. Past the draw
 * (a second `readAuth` on one recipient, as the fuzzer does) it draws afresh: never a slice twice.
 */
class HandshakeRandom {
  private readonly bytes = randomBytes(HANDSHAKE_RANDOM_BYTES);
  private offset = 0;

  take(n: number): Uint8Array {
    if (this.offset + n > this.bytes.length) return randomBytes(n);
    return this.bytes.subarray(this.offset, (this.offset += n));
  }

  /** Padding of MIN_PADDING..MAX_PADDING bytes, its length drawn without bias as randomInt draws it. */
  padding(): Uint8Array {
    const range = MAX_PADDING + 1 - MIN_PADDING;
    const b = this.take(4);
    const v = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    const length = v < 2 ** 32 - (2 ** 32 % range) ? MIN_PADDING + (v % range) : randomInt(MIN_PADDING, MAX_PADDING + 1);
    return this.take(length);
  }
}

/**
 * Encrypts a body and its random padding as an EIP-8 packet: 2-byte size prefix authenticated
 * as ECIES shared-mac-data. Body and padding are laid out where their ciphertext goes and
 * encrypted in place: the packet is the only array built.
 */
function sealEip8(remotePublicKey: CurvePoint, body: Uint8Array, random: HandshakeRandom): Uint8Array {
  const padding = random.padding();
  const plainLength = body.length + padding.length;
  const size = plainLength + ECIES_OVERHEAD;
  const packet = new Uint8Array(2 + size);
  packet[0] = size >> 8;
  packet[1] = size & 0xff;
  const plain = packet.subarray(2 + ECIES_PLAINTEXT_AT, 2 + ECIES_PLAINTEXT_AT + plainLength);
  plain.set(body);
  plain.set(padding, body.length);
  eciesEncryptInto(remotePublicKey, plain, packet.subarray(0, 2), random.take(ECIES_RANDOM_BYTES), packet.subarray(2));
  return packet;
}

/**
 * How many bytes the handshake packet at the start of `buf` occupies, or undefined if the
 * 2-byte prefix has not arrived yet. Throws if the announced size is over the cap.
 */
export function handshakePacketLength(buf: Uint8Array): number | undefined {
  if (buf.length < 2) return undefined;
  const size = (buf[0]! << 8) | buf[1]!;
  if (size + 2 > MAX_HANDSHAKE_PACKET) throw new HandshakeError(`handshake packet of ${size + 2} bytes exceeds ${MAX_HANDSHAKE_PACKET}`);
  if (size < ECIES_OVERHEAD) throw new HandshakeError(`handshake packet of ${size} bytes is too small`);
  return size + 2;
}

/** Opens an EIP-8 packet (prefix included) with our private key; returns the RLP body (padding kept). */
function openEip8(privateKey: Uint8Array, packet: Uint8Array): Uint8Array {
  try {
    return eciesDecrypt(privateKey, packet.subarray(2), packet.subarray(0, 2));
  } catch (err) {
    throw new HandshakeError(`cannot decrypt handshake packet: ${(err as Error).message}`, err);
  }
}

/**
 * True if `buf` starts with a pre-EIP-8 auth that decrypts with our key. Used only to refuse
 * the legacy format with a clear error instead of waiting for a size prefix that never comes.
 */
export function isLegacyAuth(privateKey: Uint8Array, buf: Uint8Array): boolean {
  if (buf.length < LEGACY_AUTH_SIZE || buf[0] !== 0x04) return false;
  try {
    eciesDecrypt(privateKey, buf.subarray(0, LEGACY_AUTH_SIZE));
    return true;
  } catch (err) {
    if (err instanceof EciesError) return false;
    throw err;
  }
}

/** Decodes an auth body (EIP-8: extra elements ignored, trailing padding ignored, any version). */
export function decodeAuthBody(plain: Uint8Array): AuthBody {
  const r = RlpReader.root(plain, 'auth', { name: 'body', trailing: true });
  r.atLeast(4);
  return {
    signature: r.bytes('signature', 65),
    initiatorPublicKey: r.bytes('initiator-pubk', 64),
    initiatorNonce: r.bytes('initiator-nonce', 32),
    version: Number(r.uint('auth-vsn', 6)),
  };
}

/** Decodes an ack body (EIP-8: extra elements ignored, trailing padding ignored, any version). */
export function decodeAckBody(plain: Uint8Array): AckBody {
  const r = RlpReader.root(plain, 'ack', { name: 'body', trailing: true });
  r.atLeast(3);
  return {
    recipientEphemeralKey: r.bytes('recipient-ephemeral-pubk', 64),
    recipientNonce: r.bytes('recipient-nonce', 32),
    version: Number(r.uint('ack-vsn', 6)),
  };
}

/**
 * Derives the session secrets. `authPacket`/`ackPacket` are the packets as sent on the wire,
 * size prefix included.
 */
export function deriveSecrets(p: {
  initiator: boolean;
  ephemeralPrivateKey: Uint8Array;
  remoteEphemeralKey: Uint8Array;
  initiatorNonce: Uint8Array;
  recipientNonce: Uint8Array;
  authPacket: Uint8Array;
  ackPacket: Uint8Array;
  remotePublicKey: Uint8Array;
}): HandshakeSecrets {
  const ephemeralKey = ecdh(p.ephemeralPrivateKey, p.remoteEphemeralKey);
  const sharedSecret = keccak256(ephemeralKey, keccak256(p.recipientNonce, p.initiatorNonce));
  const aesSecret = keccak256(ephemeralKey, sharedSecret);
  const macSecret = keccak256(ephemeralKey, aesSecret);
  const [ourNonce, theirNonce, sent, received] = p.initiator
    ? [p.initiatorNonce, p.recipientNonce, p.authPacket, p.ackPacket]
    : [p.recipientNonce, p.initiatorNonce, p.ackPacket, p.authPacket];
  const egressMacInit = new Uint8Array(32 + sent.length);
  egressMacInit.set(xor(macSecret, theirNonce));
  egressMacInit.set(sent, 32);
  const ingressMacInit = new Uint8Array(32 + received.length);
  ingressMacInit.set(xor(macSecret, ourNonce));
  ingressMacInit.set(received, 32);
  return { aesSecret, macSecret, egressMacInit, ingressMacInit, remotePublicKey: p.remotePublicKey };
}

/** The initiator's side: build auth, then read ack. */
export class InitiatorHandshake {
  readonly authPacket: Uint8Array;
  /**
   * Only the private half: the recipient recovers our ephemeral public key from the signature,
   * so computing it here would be a point multiplication for nothing.
   */
  private readonly ephemeralPrivateKey: Uint8Array;
  private readonly nonce: Uint8Array;

  constructor(
    private readonly privateKey: Uint8Array,
    private readonly remotePublicKey: Uint8Array,
  ) {
    // Checked once here, used by the static ECDH and the ECIES encryption.
    const remote = CurvePoint.of(remotePublicKey);
    const random = new HandshakeRandom();
    this.ephemeralPrivateKey = privateKeyFrom(random.take(32));
    this.nonce = random.take(32);
    const staticShared = ecdh(privateKey, remote);
    const signature = sign(xor(staticShared, this.nonce), this.ephemeralPrivateKey);
    const body = encList([encBytes(signature), encBytes(publicKeyOf(privateKey)), encBytes(this.nonce), encUint(HANDSHAKE_VERSION)]);
    this.authPacket = sealEip8(remote, body, random);
  }

  /** Reads the ack packet (prefix included) and derives the secrets. */
  readAck(ackPacket: Uint8Array): HandshakeSecrets {
    let ack: AckBody;
    try {
      ack = decodeAckBody(openEip8(this.privateKey, ackPacket));
    } catch (err) {
      if (err instanceof HandshakeError) throw err;
      throw new HandshakeError(`malformed ack: ${(err as Error).message}`, err);
    }
    try {
      return deriveSecrets({
        initiator: true,
        ephemeralPrivateKey: this.ephemeralPrivateKey,
        remoteEphemeralKey: ack.recipientEphemeralKey,
        initiatorNonce: this.nonce,
        recipientNonce: ack.recipientNonce,
        authPacket: this.authPacket,
        ackPacket,
        remotePublicKey: this.remotePublicKey,
      });
    } catch (err) {
      throw new HandshakeError(`bad ack key: ${(err as Error).message}`, err);
    }
  }
}

/** The recipient's side: read auth, then build ack. */
export class RecipientHandshake {
  private readonly random = new HandshakeRandom();
  private readonly ephemeral = generateKeyPair(this.random.take(32));
  private readonly nonce = this.random.take(32);

  constructor(private readonly privateKey: Uint8Array) {}

  /** Reads the auth packet (prefix included); returns the ack packet to send and the secrets. */
  readAuth(authPacket: Uint8Array): { ackPacket: Uint8Array; secrets: HandshakeSecrets } {
    let auth: AuthBody;
    try {
      auth = decodeAuthBody(openEip8(this.privateKey, authPacket));
    } catch (err) {
      if (err instanceof HandshakeError) throw err;
      throw new HandshakeError(`malformed auth: ${(err instanceof DecodeError ? err.message : String(err))}`, err);
    }
    let remoteEphemeral: Uint8Array;
    let initiator: CurvePoint;
    try {
      // Checked once here, used by the static ECDH and the ack's ECIES encryption.
      initiator = CurvePoint.of(auth.initiatorPublicKey);
      const staticShared = ecdh(this.privateKey, initiator);
      remoteEphemeral = recoverPublicKey(xor(staticShared, auth.initiatorNonce), auth.signature);
    } catch (err) {
      throw new HandshakeError(`bad auth key or signature: ${(err as Error).message}`, err);
    }
    const ackPacket = sealEip8(initiator, encList([encBytes(this.ephemeral.publicKey), encBytes(this.nonce), encUint(HANDSHAKE_VERSION)]), this.random);
    const secrets = deriveSecrets({
      initiator: false,
      ephemeralPrivateKey: this.ephemeral.privateKey,
      remoteEphemeralKey: remoteEphemeral,
      initiatorNonce: auth.initiatorNonce,
      recipientNonce: this.nonce,
      authPacket,
      ackPacket,
      remotePublicKey: auth.initiatorPublicKey,
    });
    return { ackPacket, secrets };
  }
}
