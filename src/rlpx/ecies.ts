/**
 * ECIES as devp2p specifies it (rlpx.md "ECIES Encryption"): secp256k1 ECDH, NIST SP 800-56
 * concat-KDF with SHA-256, AES-128-CTR, HMAC-SHA-256 over iv || ciphertext || shared-mac-data.
 * Wire form: 0x04 || R (64) || iv (16) || c || d (32), so 113 bytes of overhead.
 */
import { aesCtr } from '../crypto/aes.js';
import { timingSafeEqual } from '../crypto/compare.js';
import { InvalidKeyError } from '../crypto/errors.js';
import { hmacSha256, sha256 } from '../crypto/hash.js';
import { concatKdf } from '../crypto/kdf.js';
import { randomBytes } from '../crypto/random.js';
import { ecdh, generateKeyPair, type CurvePoint } from '../crypto/secp256k1.js';
import { EciesError } from './errors.js';

/** Bytes ECIES adds to a plaintext. */
export const ECIES_OVERHEAD = 65 + 16 + 32;
/** Where the ciphertext starts in an ECIES message (after R and the IV). */
export const ECIES_PLAINTEXT_AT = 65 + 16;

function deriveKeys(shared: Uint8Array): { encKey: Uint8Array; macKey: Uint8Array } {
  const k = concatKdf(shared, 32);
  return { encKey: k.subarray(0, 16), macKey: sha256(k.subarray(16, 32)) };
}

/** Random bytes one encryption uses: 32 for the ephemeral key, then 16 for the IV. */
export const ECIES_RANDOM_BYTES = 32 + 16;

/**
 * Encrypts `plaintext` to `remotePublicKey` (64 bytes, or a {@link CurvePoint} already checked). `random` is the randomness it uses
 * ({@link ECIES_RANDOM_BYTES}: ephemeral key candidate, then IV), for a caller that draws it
 * together with its own; a key candidate out of range is replaced by a fresh key.
 */
export function eciesEncrypt(
  remotePublicKey: Uint8Array | CurvePoint,
  plaintext: Uint8Array,
  sharedMacData: Uint8Array = new Uint8Array(0),
  random: Uint8Array = randomBytes(ECIES_RANDOM_BYTES),
): Uint8Array {
  const out = new Uint8Array(ECIES_OVERHEAD + plaintext.length);
  eciesEncryptInto(remotePublicKey, plaintext, sharedMacData, random, out);
  return out;
}

/**
 * {@link eciesEncrypt} into `out` (exactly {@link ECIES_OVERHEAD} + plaintext bytes), e.g. the
 * part of an EIP-8 packet after its size prefix. The plaintext may already lie where its
 * ciphertext goes (`out` from {@link ECIES_PLAINTEXT_AT}): it is then encrypted in place.
 */
export function eciesEncryptInto(remotePublicKey: Uint8Array | CurvePoint, plaintext: Uint8Array, sharedMacData: Uint8Array, random: Uint8Array, out: Uint8Array): void {
  if (random.length !== ECIES_RANDOM_BYTES) throw new RangeError(`ECIES needs ${ECIES_RANDOM_BYTES} random bytes, got ${random.length}`);
  if (out.length !== ECIES_OVERHEAD + plaintext.length) throw new RangeError(`ECIES output of ${out.length} bytes for ${plaintext.length} bytes of plaintext`);
  const eph = generateKeyPair(random.subarray(0, 32));
  const { encKey, macKey } = deriveKeys(ecdh(eph.privateKey, remotePublicKey));
  out[0] = 0x04;
  out.set(eph.publicKey, 1);
  const iv = out.subarray(65, 81);
  iv.set(random.subarray(32));
  const c = out.subarray(ECIES_PLAINTEXT_AT, ECIES_PLAINTEXT_AT + plaintext.length);
  aesCtr(encKey, iv, plaintext, c);
  out.set(hmacSha256(macKey, iv, c, sharedMacData), 81 + c.length);
}

/** Decrypts an ECIES message with our private key; throws {@link EciesError} on any failure. */
export function eciesDecrypt(privateKey: Uint8Array, message: Uint8Array, sharedMacData: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (message.length < ECIES_OVERHEAD) throw new EciesError(`message too short (${message.length} bytes)`);
  if (message[0] !== 0x04) throw new EciesError('ephemeral key is not an uncompressed point');
  let shared: Uint8Array;
  try {
    // ecdh validates the point first, so invalid-curve keys never reach the multiplication.
    shared = ecdh(privateKey, message.subarray(1, 65));
  } catch (err) {
    throw new EciesError(err instanceof InvalidKeyError ? err.message : 'invalid ephemeral key');
  }
  const { encKey, macKey } = deriveKeys(shared);
  const iv = message.subarray(65, 81);
  const c = message.subarray(81, message.length - 32);
  const d = message.subarray(message.length - 32);
  if (!timingSafeEqual(hmacSha256(macKey, iv, c, sharedMacData), d)) throw new EciesError('MAC mismatch');
  return aesCtr(encKey, iv, c);
}
