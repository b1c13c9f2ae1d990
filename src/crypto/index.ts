/**
 * The crypto layer: one set of primitives every other layer uses (nothing outside src/crypto
 * imports a crypto or compression package), on one of two backends chosen per process:
 *
 * - `pure`: @noble/hashes, @noble/secp256k1, @noble/ciphers, snappyjs and
 *   `globalThis.crypto.getRandomValues`; no WebAssembly, no node:crypto.
 * - `fast`: node:crypto, tiny-secp256k1 and snappy-wasm (optional dependencies), and a keccak
 *   WebAssembly module of our own.
 *
 * `auto` (the default) runs fast when every accelerator loads, else pure. Choose with
 * `DEVP2P_CRYPTO=pure|fast|auto` or {@link useCrypto}; see {@link activeCrypto}.
 *
 * Snappy (./snappy.ts) is exported from the package root through src/rlpx/snappy.ts, which
 * adds the RLPx size limit and reports failures as FrameError.
 */
export * from './errors.js';
export { activeCrypto, CRYPTO_ENV, describeCrypto, parseCryptoChoice, useCrypto } from './select.js';
export type { ActiveCrypto, CryptoBackendName, CryptoChoice, CryptoImplementations } from './select.js';
export * from './keccak.js';
export * from './secp256k1.js';
export { sha256, hmacSha256 } from './hash.js';
export { concatKdf } from './kdf.js';
export { AesBlock, AesCtr, aesCtr } from './aes.js';
export { aesGcmOpen, aesGcmSeal, GCM_NONCE_SIZE, GCM_TAG_SIZE } from './gcm.js';
export { hkdfSha256, HKDF_SHA256_MAX_LENGTH } from './hkdf.js';
export { randomBytes, randomInt, randomUuid } from './random.js';
export { pbkdf2Sha256, scrypt } from './password-kdf.js';
export { timingSafeEqual } from './compare.js';
