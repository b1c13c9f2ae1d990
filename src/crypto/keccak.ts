/**
 * Keccak-256 for the whole stack.
 *
 * One WebAssembly hasher (hash-wasm) serves every caller: it runs at ~190 MB/s here against
 * ~15-20 MB/s for pure-JS keccak, and keccak is the RLPx throughput bottleneck (the frame MACs
 * absorb every byte on the wire). Callers never hold the hasher across an await, so sharing one
 * instance is safe; running states (the RLPx MACs) are kept as saved snapshots in
 * {@link KeccakState} and loaded for each operation.
 */
import { createKeccak, type IHasher } from 'hash-wasm';

const hasher: IHasher = await createKeccak(256);

/** keccak256(data...) as 32 bytes. */
export function keccak256(...parts: Uint8Array[]): Uint8Array {
  hasher.init();
  for (const p of parts) hasher.update(p);
  return hasher.digest('binary');
}

/**
 * A running keccak-256 state that can be extended and read (digested) without being finalised,
 * as the RLPx ingress/egress MACs need. The state is a snapshot of the shared hasher (404 bytes).
 */
export class KeccakState {
  private state: Uint8Array;

  constructor() {
    hasher.init();
    this.state = hasher.save();
  }

  /** Absorb bytes into the state. */
  update(data: Uint8Array): this {
    hasher.load(this.state);
    hasher.update(data);
    this.state = hasher.save();
    return this;
  }

  /** Absorb bytes and return the digest of everything absorbed so far, in one load/save round. */
  updateAndDigest(data: Uint8Array): Uint8Array {
    hasher.load(this.state);
    hasher.update(data);
    this.state = hasher.save();
    return hasher.digest('binary');
  }

  /** The digest of everything absorbed so far; the state stays open. */
  digest(): Uint8Array {
    hasher.load(this.state);
    return hasher.digest('binary');
  }
}
