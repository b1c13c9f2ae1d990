/** AES-GCM with 12-byte nonces (discv5 message encryption), on the active backend. */
import { backend } from './select.js';

/** Size of the nonce AES-GCM takes here (the only size discv5 uses). */
export const GCM_NONCE_SIZE = 12;
/** Size of the authentication tag appended to every ciphertext. */
export const GCM_TAG_SIZE = 16;

function check(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== 16 && key.length !== 32) throw new RangeError(`AES-GCM key must be 16 or 32 bytes, got ${key.length}`);
  if (nonce.length !== GCM_NONCE_SIZE) throw new RangeError(`AES-GCM nonce must be ${GCM_NONCE_SIZE} bytes, got ${nonce.length}`);
}

/** Encrypts and authenticates: returns ciphertext || 16-byte tag. */
export function aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = new Uint8Array(0)): Uint8Array {
  check(key, nonce);
  return backend().aesGcmSeal(key, nonce, plaintext, aad);
}

/** Authenticates and decrypts ciphertext || tag; undefined if it does not authenticate. */
export function aesGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array = new Uint8Array(0)): Uint8Array | undefined {
  check(key, nonce);
  if (sealed.length < GCM_TAG_SIZE) return undefined;
  return backend().aesGcmOpen(key, nonce, sealed, aad);
}
