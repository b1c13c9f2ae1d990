/**
 * The RLPx frame MAC (rlpx.md "Framing"): a running keccak-256 state plus AES-256-ECB of
 * its digest under mac-secret. One instance per direction.
 *
 * Each frame needs the digest four times in the spec's description; the first one (for the
 * header seed) is always the digest left by the previous frame's MAC, so it is kept, and a
 * frame costs three digests. Digests and seeds live in buffers owned by the instance.
 */
import { AesBlock } from '../crypto/aes.js';
import { KeccakState } from '../crypto/keccak.js';

/** Bytes of a header or frame MAC on the wire. */
const MAC_BYTES = 16;

/** A MAC state for one direction of a connection. */
export class FrameMac {
  private readonly hash = new KeccakState();
  private readonly aes: AesBlock;
  /** The digest of the current state, when {@link fresh}. */
  private readonly last = new Uint8Array(32);
  private fresh = false;
  private readonly seed = new Uint8Array(MAC_BYTES);

  /**
   * `aes` is mac-secret's expanded key when the caller already has it: both directions of a
   * connection MAC under the same secret, so a codec expands it once for the two.
   */
  constructor(macSecret: Uint8Array, init: Uint8Array, aes: AesBlock = new AesBlock(macSecret)) {
    this.aes = aes;
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
    const seed = this.encryptedPrefix(this.current());
    for (let i = 0; i < MAC_BYTES; i++) seed[i]! ^= ct[ctAt + i]!;
    this.absorbAndDigest(seed, out, outAt);
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
    const seed = this.encryptedPrefix(this.last);
    for (let i = 0; i < MAC_BYTES; i++) seed[i]! ^= this.last[i]!;
    this.absorbAndDigest(seed, out, outAt);
  }

  private current(): Uint8Array {
    if (!this.fresh) {
      this.hash.digestInto(this.last);
      this.fresh = true;
    }
    return this.last;
  }

  /** aes(mac-secret, digest[:16]) in the seed buffer. */
  private encryptedPrefix(digest: Uint8Array): Uint8Array {
    for (let i = 0; i < MAC_BYTES; i++) this.seed[i] = digest[i]!;
    return this.aes.encryptInPlace(this.seed);
  }

  private absorbAndDigest(seed: Uint8Array, out: Uint8Array, outAt: number): void {
    this.hash.updateAndDigestInto(seed, this.last);
    this.fresh = true;
    for (let i = 0; i < MAC_BYTES; i++) out[outAt + i] = this.last[i]!;
  }
}
