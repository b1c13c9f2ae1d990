/**
 * Keccak-256 for the whole stack, on the active backend: @noble/hashes (pure) or WebAssembly
 * (fast: a keccak-f[1600] module of our own for one-shot hashes and the running
 * states). Keccak is the RLPx throughput bottleneck: the frame MACs absorb every byte on the wire.
 */
import { backend, claimBackend } from './select.js';
import type { RunningKeccak } from './backend.js';

/** keccak256(data...) as 32 bytes. */
export function keccak256(...parts: Uint8Array[]): Uint8Array {
  return backend().keccak256(parts);
}

/**
 * A running keccak-256 state that can be extended and read (digested) without being
 * finalised, as the RLPx ingress/egress MACs need. It stays on the backend active when it was
 * created.
 */
export class KeccakState {
  private readonly impl: RunningKeccak = claimBackend().keccakState();

  /** Absorb bytes into the state. */
  update(data: Uint8Array): this {
    this.impl.update(data);
    return this;
  }

  /** The digest of everything absorbed so far; the state stays open. */
  digest(): Uint8Array {
    const out = new Uint8Array(32);
    this.impl.digestInto(out);
    return out;
  }

  /** Writes the digest to `out[0..32)` without allocating; the state stays open. */
  digestInto(out: Uint8Array): void {
    this.impl.digestInto(out);
  }

  /** Absorb bytes and return the digest of everything absorbed so far. */
  updateAndDigest(data: Uint8Array): Uint8Array {
    const out = new Uint8Array(32);
    this.impl.updateDigestInto(data, out);
    return out;
  }

  /** Absorb bytes and write the digest to `out[0..32)`. */
  updateAndDigestInto(data: Uint8Array, out: Uint8Array): void {
    this.impl.updateDigestInto(data, out);
  }
}
