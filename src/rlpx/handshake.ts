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
import { ecdh, generateKeyPair, publicKeyOf, recoverPublicKey, sign, validatePublicKey } from '../crypto/secp256k1.js';
import { rlpEncode } from '../common/rlp.js';
import { RlpReader } from '../common/rlp-reader.js';
import { DecodeError } from '../common/errors.js';
import { concatBytes } from '../common/bytes.js';
import { eciesDecrypt, eciesEncrypt, ECIES_OVERHEAD } from './ecies.js';
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

/** Random padding of 100-199 bytes, as geth adds, so packet sizes do not fingerprint the client. */
function padding(): Uint8Array {
  return randomBytes(randomInt(100, 200));
}

/** Encrypts a body as an EIP-8 packet: 2-byte size prefix authenticated as ECIES shared-mac-data. */
function sealEip8(remotePublicKey: Uint8Array, body: Uint8Array): Uint8Array {
  const size = body.length + ECIES_OVERHEAD;
  const prefix = new Uint8Array([size >> 8, size & 0xff]);
  return concatBytes(prefix, eciesEncrypt(remotePublicKey, body, prefix));
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
  private readonly ephemeral = generateKeyPair();
  private readonly nonce = randomBytes(32);

  constructor(
    private readonly privateKey: Uint8Array,
    private readonly remotePublicKey: Uint8Array,
  ) {
    validatePublicKey(remotePublicKey);
    const staticShared = ecdh(privateKey, remotePublicKey);
    const signature = sign(xor(staticShared, this.nonce), this.ephemeral.privateKey);
    const body = rlpEncode([signature, publicKeyOf(privateKey), this.nonce, HANDSHAKE_VERSION]);
    this.authPacket = sealEip8(remotePublicKey, concatBytes(body, padding()));
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
        ephemeralPrivateKey: this.ephemeral.privateKey,
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
  private readonly ephemeral = generateKeyPair();
  private readonly nonce = randomBytes(32);

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
    try {
      const staticShared = ecdh(this.privateKey, auth.initiatorPublicKey);
      remoteEphemeral = recoverPublicKey(xor(staticShared, auth.initiatorNonce), auth.signature);
    } catch (err) {
      throw new HandshakeError(`bad auth key or signature: ${(err as Error).message}`, err);
    }
    const ackPacket = sealEip8(auth.initiatorPublicKey, concatBytes(rlpEncode([this.ephemeral.publicKey, this.nonce, HANDSHAKE_VERSION]), padding()));
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
