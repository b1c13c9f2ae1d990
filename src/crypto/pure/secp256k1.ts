/**
 * secp256k1 for the pure backend, all on @noble/secp256k1: keys, ECDH, RFC 6979 low-S signing,
 * recovery, verification and decompression. No curve arithmetic of our own: the point of this
 * backend is that every line of crypto it runs is in the audited noble packages. The facade
 * (../secp256k1.ts) validates lengths, ranges and recovery ids before anything reaches here, so
 * both backends see the same inputs and raise the same typed errors.
 */
import * as secp from '@noble/secp256k1';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Secp256k1Backend } from '../backend.js';

// noble's synchronous sign() takes its HMAC-DRBG hashes from this module-level hook.
secp.hashes.sha256 = sha256;
secp.hashes.hmacSha256 = (key: Uint8Array, msg: Uint8Array) => hmac(sha256, key, msg);

const SIGN_OPTS = { prehash: false, format: 'recovered' } as const;
const RECOVER_OPTS = { prehash: false, isCompressed: false } as const;
// High-S is refused by the facade before this point (as geth's VerifySignature does).
const VERIFY_OPTS = { prehash: false, lowS: true } as const;

/** Runs a noble call that throws on invalid points or signatures; undefined instead. */
function orUndefined<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

export const nobleSecp256k1: Secp256k1Backend = {
  publicKey: (privateKey) => secp.getPublicKey(privateKey, false).subarray(1),

  // `point` arrives as the 65-byte SEC1 form, validated on the curve by the facade.
  ecdh: (privateKey, point) => orUndefined(() => secp.getSharedSecret(privateKey, point, true).subarray(1, 33)),

  sign(digest, privateKey) {
    const sig = secp.sign(digest, privateKey, SIGN_OPTS); // recovery id first, then r || s
    const out = new Uint8Array(65);
    out.set(sig.subarray(1));
    out[64] = sig[0]!;
    return out;
  },

  recover(digest, rs, v) {
    const sig = new Uint8Array(65);
    sig[0] = v;
    sig.set(rs, 1);
    return orUndefined(() => secp.recoverPublicKey(sig, digest, RECOVER_OPTS).subarray(1));
  },

  verify: (digest, rs, point) => orUndefined(() => secp.verify(rs, digest, point, VERIFY_OPTS)) ?? false,

  decompress: (compressed) => orUndefined(() => secp.Point.fromBytes(compressed).toBytes(false).subarray(1)),
};
