/** Test helper: frames an arbitrary body correctly so a decoder test reaches body decoding. */
import { concatBytes } from '../../src/common/bytes.js';
import { keccak256 } from '../../src/crypto/keccak.js';
import { sign } from '../../src/crypto/secp256k1.js';

/** hash || signature || type || body, with a valid hash and signature by `privateKey`. */
export function frame(type: number, body: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const sigData = concatBytes(Uint8Array.of(type), body);
  const sig = sign(keccak256(sigData), privateKey);
  return concatBytes(keccak256(sig, sigData), sig, sigData);
}
