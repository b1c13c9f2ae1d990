/**
 * The signing key of a tree, as geth's `devp2p dns sign` takes it: an Ethereum keystore file
 * (Web3 Secret Storage v3: scrypt or PBKDF2-HMAC-SHA256, AES-128-CTR, keccak256 MAC), as geth's
 * accounts/keystore writes it. A plain nodekey file (64 hex characters) is taken too.
 */
import { bytesToHex, equalBytes, hexToBytes } from '../common/bytes.js';
import { aesCtr, isValidPrivateKey, keccak256, pbkdf2Sha256, publicKeyOf, randomBytes, randomUuid, scrypt } from '../crypto/index.js';

/** geth's LightScryptN / LightScryptP: what `--lightkdf` writes, fast enough for tests. */
export const LIGHT_SCRYPT_N = 4096;
export const LIGHT_SCRYPT_P = 6;
/** geth's StandardScryptN / StandardScryptP. */
export const STANDARD_SCRYPT_N = 1 << 18;
export const STANDARD_SCRYPT_P = 1;
const SCRYPT_R = 8;
const DKLEN = 32;
/**
 * Largest scrypt cost accepted from a file (N * r * p * 128 bytes of memory): 1 GiB, four times
 * geth's standard setting. A hostile file cannot make us allocate more.
 */
export const MAX_SCRYPT_MEMORY = 1 << 30;
/** Largest PBKDF2 iteration count accepted from a file. */
export const MAX_PBKDF2_ROUNDS = 10_000_000;

/** A keystore that cannot be decrypted: wrong password, unsupported or malformed file. */
export class KeystoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeystoreError';
  }
}

/** True if `text` looks like a keystore (a JSON object) rather than a nodekey. */
export function isKeystoreText(text: string): boolean {
  return text.trimStart().startsWith('{');
}

/** Decrypts a v3 keystore with `password`; returns the 32-byte private key. */
export function decryptKeystore(text: string, password: string): Uint8Array {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new KeystoreError('keystore is not valid JSON');
  }
  // Go's JSON decoding matches field names case-insensitively: geth reads "Crypto" too.
  const c = (doc.crypto ?? doc.Crypto) as Record<string, unknown> | undefined;
  if (typeof c !== 'object' || c === null) throw new KeystoreError('keystore has no "crypto" object');
  if (doc.version !== 3) throw new KeystoreError(`keystore version ${String(doc.version)} not supported (only 3)`);
  if (c.cipher !== 'aes-128-ctr') throw new KeystoreError(`cipher not supported: ${String(c.cipher)}`);
  const hex = (v: unknown, what: string): Uint8Array => {
    try {
      if (typeof v === 'string') return hexToBytes(v);
    } catch {
      // below
    }
    throw new KeystoreError(`keystore field ${what} is not hex`);
  };
  const iv = hex((c.cipherparams as Record<string, unknown> | undefined)?.iv, 'cipherparams.iv');
  const ciphertext = hex(c.ciphertext, 'ciphertext');
  const mac = hex(c.mac, 'mac');
  const derived = deriveKey(c.kdf, (c.kdfparams ?? {}) as Record<string, unknown>, password, hex);
  if (!equalBytes(keccak256(derived.subarray(16, 32), ciphertext), mac)) throw new KeystoreError('could not decrypt key with given password');
  if (iv.length !== 16) throw new KeystoreError('keystore iv must be 16 bytes');
  const key = aesCtr(derived.subarray(0, 16), iv, ciphertext);
  if (!isValidPrivateKey(key)) throw new KeystoreError('keystore holds no valid secp256k1 private key');
  return key;
}

function deriveKey(kdf: unknown, p: Record<string, unknown>, password: string, hex: (v: unknown, what: string) => Uint8Array): Uint8Array {
  const salt = hex(p.salt, 'kdfparams.salt');
  const dklen = p.dklen;
  if (dklen !== DKLEN) throw new KeystoreError(`kdfparams.dklen must be ${DKLEN}`);
  if (kdf === 'scrypt') {
    const { n, r, p: par } = p as { n?: unknown; r?: unknown; p?: unknown };
    if (!isInt(n) || !isInt(r) || !isInt(par) || n < 2 || (n & (n - 1)) !== 0) throw new KeystoreError('bad scrypt parameters');
    const mem = 128 * n * r * par;
    if (mem > MAX_SCRYPT_MEMORY) throw new KeystoreError(`scrypt parameters need ${mem} bytes, limit ${MAX_SCRYPT_MEMORY}`);
    return scrypt(password, salt, { n, r, p: par, dkLen: DKLEN, maxmem: mem + (1 << 20) });
  }
  if (kdf === 'pbkdf2') {
    if (p.prf !== 'hmac-sha256') throw new KeystoreError(`unsupported PBKDF2 PRF: ${String(p.prf)}`);
    if (!isInt(p.c) || p.c > MAX_PBKDF2_ROUNDS) throw new KeystoreError('bad pbkdf2 iteration count');
    return pbkdf2Sha256(password, salt, p.c, DKLEN);
  }
  throw new KeystoreError(`unsupported KDF: ${String(kdf)}`);
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

/**
 * Encrypts a private key as a v3 keystore with scrypt (geth's EncryptKey); defaults to geth's
 * light parameters. Returns the JSON text.
 */
export function encryptKeystore(privateKey: Uint8Array, password: string, opts: { n?: number; p?: number } = {}): string {
  const n = opts.n ?? LIGHT_SCRYPT_N;
  const p = opts.p ?? LIGHT_SCRYPT_P;
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const derived = scrypt(password, salt, { n, r: SCRYPT_R, p, dkLen: DKLEN, maxmem: 128 * n * SCRYPT_R * p + (1 << 20) });
  const ciphertext = aesCtr(derived.subarray(0, 16), iv, privateKey);
  const mac = keccak256(derived.subarray(16, 32), ciphertext);
  const address = bytesToHex(keccak256(publicKeyOf(privateKey)).subarray(12));
  return JSON.stringify({
    address,
    crypto: {
      cipher: 'aes-128-ctr',
      ciphertext: bytesToHex(ciphertext),
      cipherparams: { iv: bytesToHex(iv) },
      kdf: 'scrypt',
      kdfparams: { dklen: DKLEN, n, p, r: SCRYPT_R, salt: bytesToHex(salt) },
      mac: bytesToHex(mac),
    },
    id: randomUuid(),
    version: 3,
  });
}
