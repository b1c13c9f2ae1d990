/**
 * ECIES as devp2p specifies it (rlpx.md "ECIES Encryption"): secp256k1 ECDH, NIST SP 800-56
 * concat-KDF with SHA-256, AES-128-CTR, HMAC-SHA-256 over iv || ciphertext || shared-mac-data.
 * Wire form: 0x04 || R (64) || iv (16) || c || d (32), so 113 bytes of overhead.
 */
import { createCipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ecdh, generateKeyPair, InvalidKeyError } from '../crypto/secp256k1.js';
import { EciesError } from './errors.js';

/** Bytes ECIES adds to a plaintext. */
export const ECIES_OVERHEAD = 65 + 16 + 32;

/** concat-KDF (NIST SP 800-56 5.8.1) with SHA-256 and empty other-info. */
export function concatKdf(z: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(length / 32) * 32);
  const ctr = new Uint8Array(4);
  for (let i = 0, counter = 1; i < length; i += 32, counter++) {
    new DataView(ctr.buffer).setUint32(0, counter);
    out.set(createHash('sha256').update(ctr).update(z).digest(), i);
  }
  return out.subarray(0, length);
}

function deriveKeys(shared: Uint8Array): { encKey: Uint8Array; macKey: Uint8Array } {
  const k = concatKdf(shared, 32);
  return { encKey: k.subarray(0, 16), macKey: new Uint8Array(createHash('sha256').update(k.subarray(16, 32)).digest()) };
}

/** Encrypts `plaintext` to `remotePublicKey` (64 bytes). */
export function eciesEncrypt(remotePublicKey: Uint8Array, plaintext: Uint8Array, sharedMacData: Uint8Array = new Uint8Array(0)): Uint8Array {
  const eph = generateKeyPair();
  const { encKey, macKey } = deriveKeys(ecdh(eph.privateKey, remotePublicKey));
  const iv = randomBytes(16);
  const c = createCipheriv('aes-128-ctr', encKey, iv).update(plaintext);
  const d = createHmac('sha256', macKey).update(iv).update(c).update(sharedMacData).digest();
  const out = new Uint8Array(ECIES_OVERHEAD + plaintext.length);
  out[0] = 0x04;
  out.set(eph.publicKey, 1);
  out.set(iv, 65);
  out.set(c, 81);
  out.set(d, 81 + c.length);
  return out;
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
  const expected = createHmac('sha256', macKey).update(iv).update(c).update(sharedMacData).digest();
  if (!timingSafeEqual(expected, d)) throw new EciesError('MAC mismatch');
  return new Uint8Array(createCipheriv('aes-128-ctr', encKey, iv).update(c));
}
