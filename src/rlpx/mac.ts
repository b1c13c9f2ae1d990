/**
 * The RLPx frame MAC (rlpx.md "Framing"): a running keccak-256 state plus AES-256-ECB of
 * its digest under mac-secret. One instance per direction.
 *
 * Each frame needs the digest four times in the spec's description; the first one (for the
 * header seed) is always the digest left by the previous frame's MAC, so it is kept, and a
 * frame costs three digests. The digest lives in a buffer owned by the instance; the seed is
 * built and absorbed within one call, so every instance shares one seed buffer (a small typed
 * array costs ~200 bytes of heap in objects, per MAC and peer).
 */
import { AesBlock } from '../crypto/aes.js';
import { KeccakState } from '../crypto/keccak.js';

/** Bytes of a header or frame MAC on the wire. */
const MAC_BYTES = 16;
/** Bytes of a keccak-256 digest. */
const DIGEST_BYTES = 32;

/** The seed of the MAC being computed: filled, encrypted and absorbed within one call (4-byte aligned). */
const seed = new Uint8Array(MAC_BYTES);

/** A MAC state for one direction of a connection. */
export class FrameMac {
  private readonly hash = new KeccakState();
  private readonly aes: AesBlock;
  /** The digest of the current state, when {@link fresh}. */
  private readonly last: Uint8Array;
  private fresh = false;

  /**
   * `macSecret` is the key itself or its expanded {@link AesBlock}: both directions of a
   * connection MAC under the same mac-secret, so a codec expands it once for the two. `digest`
   * is where this MAC keeps its 32-byte digest, for this MAC alone (a codec passes views of one
   * buffer for its two MACs); by default an array of its own.
   */
  constructor(macSecret: Uint8Array | AesBlock, init: Uint8Array, digest: Uint8Array = new Uint8Array(DIGEST_BYTES)) {
    if (digest.length !== DIGEST_BYTES) throw new RangeError(`MAC digest buffer must be ${DIGEST_BYTES} bytes, got ${digest.length}`);
    this.aes = macSecret instanceof AesBlock ? macSecret : new AesBlock(macSecret);
    this.last = digest;
    this.hash.update(init);
  }

  /** The current digest (the state stays open); tests use it against the spec vectors. */
  digest(): Uint8Array {
    return this.current().slice();
  }

  /** Absorbs raw bytes (used by tests). */
  update(data: Uint8Array): void {
    this.hash.update(data);
    this.fresh = false;
  }

  /** header-mac-seed = aes(mac-secret, mac.digest[:16]) ^ header-ciphertext; returns the new digest[:16]. */
  headerMac(headerCiphertext: Uint8Array): Uint8Array {
    const out = new Uint8Array(MAC_BYTES);
    this.headerMacInto(headerCiphertext, out);
    return out;
  }

  /**
   * {@link headerMac} of the 16 bytes at `ct[ctAt]`, writing the 16 MAC bytes to `out[outAt]`
   * (e.g. straight into a frame).
   */
  headerMacInto(ct: Uint8Array, out: Uint8Array, ctAt = 0, outAt = 0): void {
    this.encryptedPrefix(this.current());
    for (let i = 0; i < MAC_BYTES; i++) seed[i]! ^= ct[ctAt + i]!;
    this.absorbAndDigest(out, outAt);
  }

  /** Absorbs the frame ciphertext, then frame-mac-seed = aes(digest[:16]) ^ digest[:16]; returns digest[:16]. */
  frameMac(frameCiphertext: Uint8Array): Uint8Array {
    const out = new Uint8Array(MAC_BYTES);
    this.frameMacInto(frameCiphertext, out);
    return out;
  }

  /** {@link frameMac}, writing the 16 MAC bytes to `out[outAt]`. */
  frameMacInto(frameCiphertext: Uint8Array, out: Uint8Array, outAt = 0): void {
    this.hash.updateAndDigestInto(frameCiphertext, this.last);
    this.encryptedPrefix(this.last);
    for (let i = 0; i < MAC_BYTES; i++) seed[i]! ^= this.last[i]!;
    this.absorbAndDigest(out, outAt);
  }

  private current(): Uint8Array {
    if (!this.fresh) {
      this.hash.digestInto(this.last);
      this.fresh = true;
    }
    return this.last;
  }

  /** aes(mac-secret, digest[:16]) in the shared seed buffer. */
  private encryptedPrefix(digest: Uint8Array): void {
    for (let i = 0; i < MAC_BYTES; i++) seed[i] = digest[i]!;
    this.aes.encryptInPlace(seed);
  }

  /** Absorbs the seed and writes the new digest[:16] to `out[outAt]`. */
  private absorbAndDigest(out: Uint8Array, outAt: number): void {
    this.hash.updateAndDigestInto(seed, this.last);
    this.fresh = true;
    for (let i = 0; i < MAC_BYTES; i++) out[outAt + i] = this.last[i]!;
  }
}
