/**
 * The contract each crypto backend implements. Callers never see it: they use the functions and
 * classes of `src/crypto/` (keccak.ts, secp256k1.ts, aes.ts, hash.ts, snappy.ts, random.ts),
 * which validate every input first, so a backend receives only well-formed arguments and both
 * backends raise the same typed errors.
 */

/** A backend's name. `pure`: TypeScript/JavaScript only; `fast`: WebAssembly and node:crypto. */
export type CryptoBackendName = 'pure' | 'fast';
/** What a process may ask for: a backend, or `auto` (fast when every accelerator loads, else pure). */
export type CryptoChoice = CryptoBackendName | 'auto';

/** The library behind each primitive, for `--version` and logs. */
export interface CryptoImplementations {
  keccak: string;
  secp256k1: string;
  aes: string;
  aesGcm: string;
  hkdf: string;
  sha256: string;
  snappy: string;
  random: string;
}

/** A keccak-256 state that can be read without being finalised (the RLPx MACs). */
export interface RunningKeccak {
  update(data: Uint8Array): void;
  /** Writes the digest of everything absorbed so far to `out[0..32)`; the state stays open. */
  digestInto(out: Uint8Array): void;
  /** `update(data)` then `digestInto(out)`, in one step where the backend saves work by it. */
  updateDigestInto(data: Uint8Array, out: Uint8Array): void;
}

/** An AES-CTR keystream position. */
export interface CtrStream {
  /** XORs the next `src.length` keystream bytes with `src` into `dst` (same length; may be `src`). */
  process(src: Uint8Array, dst: Uint8Array): void;
  /** The same into a new array (node:crypto allocates its output anyway: no extra copy). */
  processCopy(src: Uint8Array): Uint8Array;
}

/** secp256k1 on validated input. Public keys are 65-byte uncompressed points unless noted. */
export interface Secp256k1Backend {
  /** The 64-byte (x || y) public key of a valid private key. */
  publicKey(privateKey: Uint8Array): Uint8Array;
  /** x of privateKey·point (32 bytes), or undefined at infinity. */
  ecdh(privateKey: Uint8Array, point: Uint8Array): Uint8Array | undefined;
  /** RFC 6979 low-S signature as r || s || v (65 bytes, v in {0, 1}). */
  sign(digest: Uint8Array, privateKey: Uint8Array): Uint8Array;
  /** The 64-byte public key, or undefined when no key fits (r, s already in [1, n); v is 0 or 1). */
  recover(digest: Uint8Array, rs: Uint8Array, v: number): Uint8Array | undefined;
  /** ECDSA verification of r || s (low-S and ranges already checked). */
  verify(digest: Uint8Array, rs: Uint8Array, point: Uint8Array): boolean;
  /** The 64-byte key of a 33-byte compressed point, or undefined if it is not on the curve. */
  decompress(compressed: Uint8Array): Uint8Array | undefined;
  /** privateKey·point as a 64-byte x || y (discv5 hashes the compressed point), or undefined at infinity. */
  ecdhPoint(privateKey: Uint8Array, point: Uint8Array): Uint8Array | undefined;
}

/** Everything a backend provides. */
export interface CryptoBackend {
  readonly name: CryptoBackendName;
  readonly implementations: CryptoImplementations;
  keccak256(parts: readonly Uint8Array[]): Uint8Array;
  keccakState(): RunningKeccak;
  sha256(parts: readonly Uint8Array[]): Uint8Array;
  hmacSha256(key: Uint8Array, parts: readonly Uint8Array[]): Uint8Array;
  /** An AES-CTR stream (key of 16, 24 or 32 bytes; 16-byte initial counter block). */
  aesCtr(key: Uint8Array, iv: Uint8Array): CtrStream;
  /** AES-GCM with a 12-byte nonce: ciphertext || 16-byte tag (key of 16 or 32 bytes). */
  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Opens ciphertext || tag; undefined when the tag does not authenticate (or the input is shorter than a tag). */
  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined;
  /** HKDF-SHA256 (RFC 5869) extract-then-expand: `length` bytes (at most 255·32). */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  readonly secp256k1: Secp256k1Backend;
  snappyCompress(data: Uint8Array): Uint8Array;
  /**
   * Decodes a snappy block whose header (the first `headerBytes` bytes) announces `length` bytes,
   * already checked against the caller's limit; undefined if the block is corrupt or does not
   * decode to exactly `length` bytes.
   */
  snappyUncompress(data: Uint8Array, length: number, headerBytes: number): Uint8Array | undefined;
  /** Fills `out` with cryptographically secure random bytes. */
  randomFill(out: Uint8Array): void;
}
