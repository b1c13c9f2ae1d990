/**
 * keccak-256 for the pure backend, on @noble/hashes. The RLPx MACs are running states that are
 * digested after every frame: a digest copies the 200-byte sponge into a scratch instance kept
 * for the purpose (`_cloneInto`, no allocation) and finalises the copy, so the open state is
 * never re-absorbed. That and the frame path's fewer passes (one digest per header and body, the
 * body MACed where it lies) are what this backend does better than a naive use of the library.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import type { RunningKeccak } from '../backend.js';

type Keccak = ReturnType<typeof keccak_256.create>;

export function keccak256(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return keccak_256(parts[0]!);
  const h = keccak_256.create();
  for (const p of parts) h.update(p);
  return h.digest();
}

/** A running keccak-256 state digested from a reused clone. */
class NobleRunningKeccak implements RunningKeccak {
  private readonly state: Keccak = keccak_256.create();
  private readonly scratch: Keccak = keccak_256.create();

  update(data: Uint8Array): void {
    this.state.update(data);
  }

  digestInto(out: Uint8Array): void {
    this.state._cloneInto(this.scratch).digestInto(out);
  }

  updateDigestInto(data: Uint8Array, out: Uint8Array): void {
    this.state.update(data);
    this.state._cloneInto(this.scratch).digestInto(out);
  }
}

export const runningKeccak = (): RunningKeccak => new NobleRunningKeccak();
