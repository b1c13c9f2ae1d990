/**
 * secp256k1 operations used by devp2p, on the active backend: libsecp256k1 in WebAssembly
 * (tiny-secp256k1, fast) or @noble/secp256k1 plus our GLV multiplication (pure).
 *
 * Every input is validated here, before the backend sees it, with the same checks and the same
 * {@link InvalidKeyError} messages on both backends: key ranges, points on the curve (invalid-
 * curve points never reach ECDH), signature ranges and recovery ids. An RLPx handshake is 4
 * ECDH + 2 keygen + 1 sign or recover per side, and every discv4 packet is one recovery, so
 * these dominate the handshake and discovery packet rates.
 *
 * Public keys cross this module as 64 bytes (x || y, no 0x04 prefix), the devp2p node-ID form.
 */
import { backend } from './select.js';
import { InvalidKeyError } from './errors.js';
import { randomBytes } from './random.js';
import { compare32, HALF_N_BYTES, isOnCurveBytes, isScalar } from './secp256k1-params.js';

export { InvalidKeyError } from './errors.js';

/** Fresh 32-byte draws before {@link generatePrivateKey} gives up (each fails with p < 2^-127). */
const KEYGEN_ATTEMPTS = 16;

/** True if `key` is a valid 32-byte private key (1 <= key < n). */
export function isValidPrivateKey(key: Uint8Array): boolean {
  return key.length === 32 && isScalar(key, 0);
}

function checkPrivateKey(key: Uint8Array): void {
  if (!isValidPrivateKey(key)) throw new InvalidKeyError('invalid private key');
}

/** A fresh random private key. */
export function generatePrivateKey(): Uint8Array {
  for (let i = 0; i < KEYGEN_ATTEMPTS; i++) {
    const k = randomBytes(32);
    if (isValidPrivateKey(k)) return k;
  }
  throw new InvalidKeyError('could not generate a valid private key');
}

/**
 * `candidate` (32 random bytes the caller drew with others, in one call) as a private key, or a
 * fresh key from {@link generatePrivateKey} in the ~2^-128 case that it is out of range.
 */
export function privateKeyFrom(candidate: Uint8Array): Uint8Array {
  return isValidPrivateKey(candidate) ? candidate : generatePrivateKey();
}

const publicKeys = new WeakMap<Uint8Array, Uint8Array>();

/** The 64-byte public key of a private key (cached per key array: static keys are asked often). */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  let pub = publicKeys.get(privateKey);
  if (!pub) {
    checkPrivateKey(privateKey);
    pub = backend().secp256k1.publicKey(privateKey);
    publicKeys.set(privateKey, pub);
  }
  return pub;
}

/**
 * A fresh key pair (RLPx ephemeral keys), from `candidate` when it is a valid key (see
 * {@link privateKeyFrom}). Its public key is not cached: the key is used once.
 */
export function generateKeyPair(candidate?: Uint8Array): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const privateKey = candidate ? privateKeyFrom(candidate) : generatePrivateKey();
  return { privateKey, publicKey: backend().secp256k1.publicKey(privateKey) };
}

/**
 * Checks that 64 bytes are the coordinates of a point on the curve (rejects invalid-curve
 * points before they reach ECDH) and returns the 65-byte uncompressed encoding.
 */
export function validatePublicKey(pub: Uint8Array): Uint8Array {
  if (pub.length !== 64) throw new InvalidKeyError(`public key must be 64 bytes, got ${pub.length}`);
  if (!isOnCurveBytes(pub)) throw new InvalidKeyError('public key is not a point on secp256k1');
  const full = new Uint8Array(65);
  full[0] = 4;
  full.set(pub, 1);
  return full;
}

let uncompressedOf!: (p: CurvePoint) => Uint8Array;

/**
 * A 64-byte public key checked once to be a point on the curve, for a key that goes into
 * several ECDH (an RLPx initiator uses the remote's static key three times, a recipient the
 * initiator's twice): {@link ecdh} takes it without checking again. Only {@link CurvePoint.of}
 * makes one, and it keeps its own copy, so changing the caller's array later changes nothing.
 */
export class CurvePoint {
  readonly #uncompressed: Uint8Array;

  private constructor(uncompressed: Uint8Array) {
    this.#uncompressed = uncompressed;
  }

  static {
    uncompressedOf = (p) => p.#uncompressed;
  }

  /** Checks `pub` as every public-key input is checked; throws {@link InvalidKeyError}. */
  static of(pub: Uint8Array): CurvePoint {
    return new CurvePoint(validatePublicKey(pub));
  }
}

/** ECDH shared secret: the x coordinate of privateKey * publicKey (32 bytes). */
export function ecdh(privateKey: Uint8Array, publicKey: Uint8Array | CurvePoint): Uint8Array {
  const full = publicKey instanceof CurvePoint ? uncompressedOf(publicKey) : validatePublicKey(publicKey);
  checkPrivateKey(privateKey);
  const x = backend().secp256k1.ecdh(privateKey, full);
  if (!x) throw new InvalidKeyError('ECDH result is the point at infinity');
  return x;
}

/**
 * ECDH as discv5 uses it: privateKey·publicKey as a 33-byte compressed point (the parity byte
 * and x), not only x.
 */
export function ecdhCompressed(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const full = validatePublicKey(publicKey);
  checkPrivateKey(privateKey);
  const p = backend().secp256k1.ecdhPoint(privateKey, full);
  if (!p) throw new InvalidKeyError('ECDH result is the point at infinity');
  const out = new Uint8Array(33);
  out[0] = 2 + (p[63]! & 1);
  out.set(p.subarray(0, 32), 1);
  return out;
}

/** Signs a 32-byte digest (RFC 6979, low-S); returns 65 bytes r || s || v with v in {0, 1}. */
export function sign(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
  if (digest.length !== 32) throw new InvalidKeyError('digest must be 32 bytes');
  checkPrivateKey(privateKey);
  return backend().secp256k1.sign(digest, privateKey);
}

/** True if r and s of a 64-byte r || s are both in [1, n). */
function signatureInRange(rs: Uint8Array): boolean {
  return isScalar(rs, 0) && isScalar(rs, 32);
}

/** Recovers the 64-byte public key from a 65-byte r || s || v signature over `digest`. */
export function recoverPublicKey(digest: Uint8Array, signature: Uint8Array): Uint8Array {
  if (signature.length !== 65) throw new InvalidKeyError('signature must be 65 bytes');
  if (digest.length !== 32) throw new InvalidKeyError('digest must be 32 bytes');
  const v = signature[64]!;
  // Ids 2 and 3 mean R.x = r + n: an honest signer produces them with probability ~2^-127, and
  // tiny-secp256k1 checks r rather than r + n for them, so both backends refuse them.
  if (v > 1) throw new InvalidKeyError(`invalid recovery id ${v}`);
  const rs = signature.subarray(0, 64);
  if (!signatureInRange(rs)) throw new InvalidKeyError('signature r or s out of range');
  const pub = backend().secp256k1.recover(digest, rs, v);
  if (!pub) throw new InvalidKeyError('signature recovery failed');
  return pub;
}

/**
 * Verifies a 64-byte r || s signature over a 32-byte digest with a 33- or 65-byte (or 64-byte
 * bare) public key. High-S signatures are refused, as geth's crypto.VerifySignature does.
 * Never throws.
 */
export function verify(digest: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || digest.length !== 32) return false;
  // High-S (s > n/2) is refused where geth refuses it.
  if (!signatureInRange(signature) || compare32(signature, 32, HALF_N_BYTES) > 0) return false;
  let point: Uint8Array;
  try {
    point = validatePublicKey(decompress(publicKey));
  } catch {
    return false;
  }
  return backend().secp256k1.verify(digest, signature, point);
}

/** 33-byte compressed, 65-byte uncompressed or 64-byte bare key to the 64-byte form (validated). */
export function decompress(pub: Uint8Array): Uint8Array {
  if (pub.length === 65 && pub[0] === 4) return validatePublicKey(pub.subarray(1)).subarray(1);
  if (pub.length === 64) return validatePublicKey(pub).subarray(1);
  if (pub.length === 33 && (pub[0] === 2 || pub[0] === 3)) {
    const full = backend().secp256k1.decompress(pub);
    if (full) return full;
  }
  throw new InvalidKeyError('invalid public key encoding');
}

/** 64-byte public key to the 33-byte compressed form (02 or 03 by the parity of y, then x). */
export function compress(pub: Uint8Array): Uint8Array {
  validatePublicKey(pub);
  const out = new Uint8Array(33);
  out[0] = 2 + (pub[63]! & 1);
  out.set(pub.subarray(0, 32), 1);
  return out;
}
