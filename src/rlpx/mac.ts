/**
 * The RLPx frame MAC (rlpx.md "Framing"): a running keccak-256 state plus AES-256-ECB of
 * its digest under mac-secret. One instance per direction.
 */
import { unsafe } from '@noble/ciphers/aes.js';
import { KeccakState } from '../crypto/keccak.js';

/** A MAC state for one direction of a connection. */
export class FrameMac {
  private readonly hash = new KeccakState();
  /** Expanded AES-256 key: expanding once makes each single-block encryption ~1 us. */
  private readonly xk: Uint32Array;

  constructor(macSecret: Uint8Array, init: Uint8Array) {
    this.xk = unsafe.expandKeyLE(macSecret);
    this.hash.update(init);
  }

  /** The current digest (the state stays open); tests use it against the spec vectors. */
  digest(): Uint8Array {
    return this.hash.digest();
  }

  /** Absorbs raw bytes (used by tests). */
  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  /** header-mac-seed = aes(mac-secret, mac.digest[:16]) ^ header-ciphertext; returns the new digest[:16]. */
  headerMac(headerCiphertext: Uint8Array): Uint8Array {
    const seed = this.encryptFirstBlock(this.hash.digest());
    for (let i = 0; i < 16; i++) seed[i]! ^= headerCiphertext[i]!;
    return this.hash.updateAndDigest(seed).subarray(0, 16);
  }

  /** Absorbs the frame ciphertext, then frame-mac-seed = aes(digest[:16]) ^ digest[:16]; returns digest[:16]. */
  frameMac(frameCiphertext: Uint8Array): Uint8Array {
    const prev = this.hash.updateAndDigest(frameCiphertext);
    const seed = this.encryptFirstBlock(prev);
    for (let i = 0; i < 16; i++) seed[i]! ^= prev[i]!;
    return this.hash.updateAndDigest(seed).subarray(0, 16);
  }

  private encryptFirstBlock(digest: Uint8Array): Uint8Array {
    return unsafe.encryptBlock(this.xk, digest.slice(0, 16));
  }
}
