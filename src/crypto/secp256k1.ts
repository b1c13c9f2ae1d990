/**
 * secp256k1 operations used by devp2p, behind one small module so the implementation can be
 * swapped by measurement.
 *
 * - ECDH and key generation use node:crypto (OpenSSL): ~4x faster than pure JS, and ECDH
 *   dominates the RLPx handshake (4 per side).
 * - Signing uses @noble/secp256k1 (fastest pure-JS signer measured here, ~0.7 ms); node:crypto
 *   cannot sign a raw 32-byte digest.
 * - Public-key recovery uses @noble/curves (GLV endomorphism: ~2.5 ms against ~5.9 ms for
 *   @noble/secp256k1 on this machine); node:crypto cannot recover keys. Recovery is the cost of
 *   every inbound RLPx handshake and every discv4 packet.
 * - A node:crypto ECDH object is kept per private key (WeakMap on the key's array), because
 *   `setPrivateKey` costs a base-point multiplication (~0.5 ms) that would otherwise be repeated
 *   on every handshake.
 *
 * Public keys cross this module as 64 bytes (x || y, no 0x04 prefix), the devp2p node-ID form.
 */
import { createECDH, randomBytes, type ECDH } from 'node:crypto';
import * as secp from '@noble/secp256k1';
import { secp256k1 as curves } from '@noble/curves/secp256k1.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

secp.hashes.sha256 = sha256;
secp.hashes.hmacSha256 = (key: Uint8Array, msg: Uint8Array) => hmac(sha256, key, msg);

/** Raised when a key, point or signature is not valid on secp256k1. */
export class InvalidKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidKeyError';
  }
}

const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function toBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** True if `key` is a valid 32-byte private key (1 <= key < n). */
export function isValidPrivateKey(key: Uint8Array): boolean {
  if (key.length !== 32) return false;
  const v = toBigInt(key);
  return v > 0n && v < CURVE_N;
}

/** A fresh random private key. */
export function generatePrivateKey(): Uint8Array {
  for (let i = 0; i < 16; i++) {
    const k = new Uint8Array(randomBytes(32));
    if (isValidPrivateKey(k)) return k;
  }
  throw new InvalidKeyError('could not generate a valid private key');
}

const ecdhObjects = new WeakMap<Uint8Array, ECDH>();

/** The node:crypto ECDH object for a private key, created once per key array. */
function ecdhFor(privateKey: Uint8Array): ECDH {
  let e = ecdhObjects.get(privateKey);
  if (!e) {
    if (!isValidPrivateKey(privateKey)) throw new InvalidKeyError('invalid private key');
    e = createECDH('secp256k1');
    e.setPrivateKey(privateKey);
    ecdhObjects.set(privateKey, e);
  }
  return e;
}

/** The 64-byte public key of a private key. */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  return new Uint8Array(ecdhFor(privateKey).getPublicKey()).subarray(1);
}

/** A fresh key pair (used for RLPx ephemeral keys). */
export function generateKeyPair(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const ecdh = createECDH('secp256k1');
  const pub = ecdh.generateKeys();
  let priv = new Uint8Array(ecdh.getPrivateKey());
  // OpenSSL drops leading zero bytes; devp2p keys are always 32 bytes.
  if (priv.length < 32) {
    const p = new Uint8Array(32);
    p.set(priv, 32 - priv.length);
    priv = p;
  }
  ecdhObjects.set(priv, ecdh);
  return { privateKey: priv, publicKey: new Uint8Array(pub).subarray(1) };
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
  try {
    secp.Point.fromBytes(full).assertValidity();
  } catch {
    throw new InvalidKeyError('public key is not a point on secp256k1');
  }
  return full;
}

/** ECDH shared secret: the x coordinate of privateKey * publicKey (32 bytes). */
export function ecdh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const full = validatePublicKey(publicKey);
  const e = ecdhFor(privateKey);
  try {
    return new Uint8Array(e.computeSecret(full));
  } catch (err) {
    throw new InvalidKeyError(`ECDH failed: ${(err as Error).message}`);
  }
}

/** Signs a 32-byte digest; returns 65 bytes r || s || v with v in {0, 1}. */
export function sign(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const rec = secp.sign(digest, privateKey, { prehash: false, format: 'recovered' });
  // noble's recovered format is [v, r, s]; devp2p wires r || s || v.
  const out = new Uint8Array(65);
  out.set(rec.subarray(1, 65), 0);
  out[64] = rec[0]!;
  return out;
}

/** Recovers the 64-byte public key from a 65-byte r || s || v signature over `digest`. */
export function recoverPublicKey(digest: Uint8Array, signature: Uint8Array): Uint8Array {
  if (signature.length !== 65) throw new InvalidKeyError('signature must be 65 bytes');
  const v = signature[64]!;
  if (v > 3) throw new InvalidKeyError(`invalid recovery id ${v}`);
  const rec = new Uint8Array(65);
  rec[0] = v;
  rec.set(signature.subarray(0, 64), 1);
  try {
    return curves.Signature.fromBytes(rec, 'recovered').recoverPublicKey(digest).toBytes(false).subarray(1);
  } catch (err) {
    throw new InvalidKeyError(`signature recovery failed: ${(err as Error).message}`);
  }
}

/** 33-byte compressed or 65-byte uncompressed key to the 64-byte form. */
export function decompress(pub: Uint8Array): Uint8Array {
  if (pub.length === 64) return pub;
  if (pub.length === 65 && pub[0] === 4) return pub.subarray(1);
  try {
    return secp.Point.fromBytes(pub).toBytes(false).subarray(1);
  } catch {
    throw new InvalidKeyError('invalid public key encoding');
  }
}

/** 64-byte public key to the 33-byte compressed form. */
export function compress(pub: Uint8Array): Uint8Array {
  return secp.Point.fromBytes(validatePublicKey(pub)).toBytes(true);
}
