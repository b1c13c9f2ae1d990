/** SHA-256 and HMAC-SHA-256 (ECIES), on the active backend. */
import { backend } from './select.js';

/** sha256(data...) as 32 bytes. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  return backend().sha256(parts);
}

/** HMAC-SHA-256 of the concatenated parts under `key`, as 32 bytes. */
export function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  return backend().hmacSha256(key, parts);
}
