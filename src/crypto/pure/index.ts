/**
 * The pure backend: TypeScript/JavaScript only, on @noble/hashes (SHA-256, HMAC),
 * @noble/secp256k1 (keys, signatures), @noble/ciphers (AES) and snappyjs, with randomness from
 * `globalThis.crypto.getRandomValues`. Every primitive is the named package's own code (none of
 * ours), so auditing this backend means auditing those packages. It loads no WebAssembly and
 * does not import node:crypto.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import type { CryptoBackend } from '../backend.js';
import { NobleCtrStream } from './aes.js';
import { keccak256, runningKeccak } from './keccak.js';
import { nobleSecp256k1 } from './secp256k1.js';
import { snappyCompress, snappyUncompress } from './snappy.js';

/** getRandomValues fills at most this many bytes per call (Web Crypto's quota). */
const RANDOM_CHUNK = 65_536;

export const pureBackend: CryptoBackend = {
  name: 'pure',
  implementations: {
    keccak: '@noble/hashes',
    secp256k1: '@noble/secp256k1',
    aes: '@noble/ciphers',
    sha256: '@noble/hashes',
    snappy: 'snappyjs',
    random: 'globalThis.crypto.getRandomValues',
  },
  keccak256,
  keccakState: runningKeccak,
  sha256(parts) {
    if (parts.length === 1) return sha256(parts[0]!);
    const h = sha256.create();
    for (const p of parts) h.update(p);
    return h.digest();
  },
  hmacSha256(key, parts) {
    const h = hmac.create(sha256, key);
    for (const p of parts) h.update(p);
    return h.digest();
  },
  aesCtr: (key, iv) => new NobleCtrStream(key, iv),
  secp256k1: nobleSecp256k1,
  snappyCompress,
  snappyUncompress,
  randomFill(out) {
    for (let i = 0; i < out.length; i += RANDOM_CHUNK) globalThis.crypto.getRandomValues(out.subarray(i, i + RANDOM_CHUNK));
  },
};

