/** The ECIES key derivation (devp2p rlpx.md "ECIES Encryption"). */
import { sha256 } from './hash.js';

/** concat-KDF (NIST SP 800-56 5.8.1) with SHA-256 and empty other-info: `length` bytes from secret `z`. */
export function concatKdf(z: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(length / 32) * 32);
  const counter = new Uint8Array(4);
  const view = new DataView(counter.buffer);
  for (let i = 0, c = 1; i < length; i += 32, c++) {
    view.setUint32(0, c);
    out.set(sha256(counter, z), i);
  }
  return out.subarray(0, length);
}
