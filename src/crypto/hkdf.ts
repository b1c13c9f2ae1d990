/** HKDF-SHA256 (RFC 5869), the discv5 session key derivation, on the active backend. */
import { backend } from './select.js';

/** Longest output HKDF-SHA256 can give: 255 blocks of 32 bytes. */
export const HKDF_SHA256_MAX_LENGTH = 255 * 32;

/** `length` bytes of HKDF-SHA256 (extract with `salt`, expand with `info`). */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 1 || length > HKDF_SHA256_MAX_LENGTH) throw new RangeError(`HKDF-SHA256 length must be 1..${HKDF_SHA256_MAX_LENGTH}, got ${length}`);
  return backend().hkdfSha256(ikm, salt, info, length);
}
