/**
 * secp256k1 operations used by devp2p, behind one small module so the implementation can be
 * swapped by measurement.
 *
 * Everything runs on tiny-secp256k1: bitcoin-core's libsecp256k1 compiled to WebAssembly
 * (shipped in the npm package; no native addon, no build step). Measured on this machine:
 *
 *   operation     tiny-secp256k1   node:crypto (OpenSSL)   @noble/secp256k1 / @noble/curves
 *   ECDH              0.45 ms            1.5-1.9 ms              ~5 ms
 *   keygen            0.28 ms            0.5-0.7 ms              -
 *   sign              0.27 ms            (cannot sign a digest)  0.6-0.7 ms
 *   recover           0.70 ms            (cannot recover)        3.0 / 5.9 ms
 *
 * An RLPx handshake is 4 ECDH + 2 keygen + 1 sign or recover per side, and every discv4 packet
 * is one recovery, so these dominate the handshake rate and the discovery packet rate.
 *
 * Public keys cross this module as 64 bytes (x || y, no 0x04 prefix), the devp2p node-ID form.
 */
import { randomBytes } from 'node:crypto';
import * as ecc from 'tiny-secp256k1';

/** Raised when a key, point or signature is not valid on secp256k1. */
export class InvalidKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidKeyError';
  }
}

const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** n/2: signatures with s above it are "high-S" (malleable), refused where geth refuses them. */
const HALF_N = CURVE_N >> 1n;

function toBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** True if `key` is a valid 32-byte private key (1 <= key < n). */
export function isValidPrivateKey(key: Uint8Array): boolean {
  return key.length === 32 && ecc.isPrivate(key);
}

/** A fresh random private key. */
export function generatePrivateKey(): Uint8Array {
  for (let i = 0; i < 16; i++) {
    const k = new Uint8Array(randomBytes(32));
    if (isValidPrivateKey(k)) return k;
  }
  throw new InvalidKeyError('could not generate a valid private key');
}

const publicKeys = new WeakMap<Uint8Array, Uint8Array>();

/** The 64-byte public key of a private key (cached per key array: static keys are asked often). */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  let pub = publicKeys.get(privateKey);
  if (!pub) {
    if (!isValidPrivateKey(privateKey)) throw new InvalidKeyError('invalid private key');
    pub = ecc.pointFromScalar(privateKey, false)!.subarray(1);
    publicKeys.set(privateKey, pub);
  }
  return pub;
}

/** A fresh key pair (used for RLPx ephemeral keys). */
export function generateKeyPair(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const privateKey = generatePrivateKey();
  return { privateKey, publicKey: publicKeyOf(privateKey) };
}

/**
 * Checks that 64 bytes are the coordinates of a point on the curve (rejects invalid-curve
 * points before they reach ECDH) and returns the 65-byte uncompressed encoding.
 */
export function validatePublicKey(pub: Uint8Array): Uint8Array {
  if (pub.length !== 64) throw new InvalidKeyError(`public key must be 64 bytes, got ${pub.length}`);
  const full = new Uint8Array(65);
  full[0] = 4;
  full.set(pub, 1);
  if (!ecc.isPoint(full)) throw new InvalidKeyError('public key is not a point on secp256k1');
  return full;
}

/** ECDH shared secret: the x coordinate of privateKey * publicKey (32 bytes). */
export function ecdh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const full = validatePublicKey(publicKey);
  if (!isValidPrivateKey(privateKey)) throw new InvalidKeyError('invalid private key');
  let p: Uint8Array | null;
  try {
    p = ecc.pointMultiply(full, privateKey, false);
  } catch (err) {
    throw new InvalidKeyError(`ECDH failed: ${(err as Error).message}`);
  }
  if (!p) throw new InvalidKeyError('ECDH result is the point at infinity');
  return p.slice(1, 33);
}

/** Signs a 32-byte digest (RFC 6979, low-S); returns 65 bytes r || s || v with v in {0, 1}. */
export function sign(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
  if (digest.length !== 32) throw new InvalidKeyError('digest must be 32 bytes');
  const { signature, recoveryId } = ecc.signRecoverable(digest, privateKey);
  const out = new Uint8Array(65);
  out.set(signature);
  out[64] = recoveryId;
  return out;
}

/** Recovers the 64-byte public key from a 65-byte r || s || v signature over `digest`. */
export function recoverPublicKey(digest: Uint8Array, signature: Uint8Array): Uint8Array {
  if (signature.length !== 65) throw new InvalidKeyError('signature must be 65 bytes');
  if (digest.length !== 32) throw new InvalidKeyError('digest must be 32 bytes');
  const v = signature[64]!;
  if (v > 3) throw new InvalidKeyError(`invalid recovery id ${v}`);
  const rs = signature.subarray(0, 64);
  // libsecp256k1 rejects r or s of zero or >= n; check here to give a typed error, not a throw.
  const r = toBigInt(rs.subarray(0, 32));
  const s = toBigInt(rs.subarray(32));
  if (r === 0n || s === 0n || r >= CURVE_N || s >= CURVE_N) throw new InvalidKeyError('signature r or s out of range');
  let pub: Uint8Array | null;
  try {
    pub = ecc.recover(digest, rs, v as 0 | 1 | 2 | 3, false);
  } catch (err) {
    throw new InvalidKeyError(`signature recovery failed: ${(err as Error).message}`);
  }
  if (!pub) throw new InvalidKeyError('signature recovery failed');
  return pub.subarray(1);
}

/**
 * Verifies a 64-byte r || s signature over a 32-byte digest with a 33- or 65-byte (or 64-byte
 * bare) public key. High-S signatures are refused, as geth's crypto.VerifySignature does.
 * Never throws.
 */
export function verify(digest: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || digest.length !== 32) return false;
  const s = toBigInt(signature.subarray(32));
  if (s > HALF_N) return false;
  try {
    const key = publicKey.length === 64 ? validatePublicKey(publicKey) : publicKey;
    return ecc.verify(digest, key, signature, true);
  } catch {
    return false;
  }
}

/** 33-byte compressed or 65-byte uncompressed key to the 64-byte form. */
export function decompress(pub: Uint8Array): Uint8Array {
  if (pub.length === 65 && pub[0] === 4 && ecc.isPoint(pub)) return pub.subarray(1);
  if (pub.length === 64) return validatePublicKey(pub).subarray(1);
  try {
    if (pub.length === 33 && ecc.isPoint(pub)) return ecc.pointCompress(pub, false).subarray(1);
  } catch {
    // fall through
  }
  throw new InvalidKeyError('invalid public key encoding');
}

/** 64-byte public key to the 33-byte compressed form. */
export function compress(pub: Uint8Array): Uint8Array {
  return ecc.pointCompress(validatePublicKey(pub), true);
}
