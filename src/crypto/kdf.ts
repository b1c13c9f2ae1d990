/** The ECIES key derivation (devp2p rlpx.md "ECIES Encryption"). */
import { sha256 } from './hash.js';

/** concat-KDF (NIST SP 800-56 5.8.1) with SHA-256 and empty other-info: `length` bytes from secret `z`. */
export function concatKdf(z: Uint8Array, length: number): Uint8Array {
  // counter || z in one array, the counter rewritten in place: one single-input hash per block
  // (ECIES asks for one block, so its key is that hash itself, no copy).
  const input = new Uint8Array(4 + z.length);
  input.set(z, 4);
  const view = new DataView(input.buffer);
  if (length <= 32) {
    view.setUint32(0, 1);
    return sha256(input).subarray(0, length);
  }
  const out = new Uint8Array(Math.ceil(length / 32) * 32);
  for (let i = 0, c = 1; i < length; i += 32, c++) {
    view.setUint32(0, c);
    out.set(sha256(input), i);
  }
  return out.subarray(0, length);
}
