/**
 * The handshake's cryptography (discv5-theory.md "Handshake", discv5-wire.md "Handshake
 * packet"): the ID-nonce signature that proves the sender's identity, and the HKDF derivation
 * of the session keys from an ephemeral ECDH.
 */
import { concatBytes } from '../common/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { hkdfSha256 } from '../crypto/hkdf.js';
import { decompress, ecdhCompressed, sign, verify } from '../crypto/secp256k1.js';

const ID_PROOF_TEXT = new TextEncoder().encode('discovery v5 identity proof');
const KEY_AGREEMENT_TEXT = new TextEncoder().encode('discovery v5 key agreement');
/** AES-128 session keys. */
export const SESSION_KEY_SIZE = 16;

/** sha256("discovery v5 identity proof" || challenge-data || ephemeral-pubkey || node-id-B). */
export function idNonceDigest(challengeData: Uint8Array, ephemeralPubkey: Uint8Array, destId: Uint8Array): Uint8Array {
  return sha256(ID_PROOF_TEXT, challengeData, ephemeralPubkey, destId);
}

/** The 64-byte id-signature (r || s) by `privateKey`. */
export function signIdNonce(privateKey: Uint8Array, challengeData: Uint8Array, ephemeralPubkey: Uint8Array, destId: Uint8Array): Uint8Array {
  return sign(idNonceDigest(challengeData, ephemeralPubkey, destId), privateKey).subarray(0, 64);
}

/** Checks an id-signature against the signer's public key (33-byte compressed or 64-byte). */
export function verifyIdNonce(signature: Uint8Array, publicKey: Uint8Array, challengeData: Uint8Array, ephemeralPubkey: Uint8Array, destId: Uint8Array): boolean {
  return verify(idNonceDigest(challengeData, ephemeralPubkey, destId), signature, publicKey);
}

/** The two session keys: the initiator (node A) writes with `initiatorKey`, the recipient with `recipientKey`. */
export interface SessionKeys {
  initiatorKey: Uint8Array;
  recipientKey: Uint8Array;
}

/**
 * HKDF-SHA256 with the compressed ECDH point as secret, the challenge data as salt and
 * "discovery v5 key agreement" || node-id-A || node-id-B as info. Throws InvalidKeyError for a
 * public key that is not on the curve.
 */
export function deriveSessionKeys(privateKey: Uint8Array, publicKey: Uint8Array, idA: Uint8Array, idB: Uint8Array, challengeData: Uint8Array): SessionKeys {
  const secret = ecdhCompressed(privateKey, decompress(publicKey));
  const out = hkdfSha256(secret, challengeData, concatBytes(KEY_AGREEMENT_TEXT, idA, idB), 2 * SESSION_KEY_SIZE);
  return { initiatorKey: out.slice(0, SESSION_KEY_SIZE), recipientKey: out.slice(SESSION_KEY_SIZE) };
}
