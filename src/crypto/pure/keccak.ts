/** keccak-256 from @noble/hashes; running states are digested from a reused clone, never re-absorbed. */
import { keccak_256 } from '@noble/hashes/sha3.js';
import type { RunningKeccak } from '../backend.js';

type Keccak = ReturnType<typeof keccak_256.create>;

/** Unaligned inputs at least this long are copied to an aligned array before absorbing. */
const ALIGN_COPY_MIN = 4096;

export function keccak256(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return keccak_256(parts[0]!);
  const h = keccak_256.create();
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * A running keccak-256 state. A digest copies the 200-byte sponge into a scratch instance kept
 * for the purpose (`_cloneInto`, no allocation) and finalises that copy, so the open state is
 * never absorbed twice.
 */
export class NobleRunningKeccak implements RunningKeccak {
  private readonly state: Keccak = keccak_256.create();
  private readonly scratch: Keccak = keccak_256.create();

  update(data: Uint8Array): void {
    // noble absorbs 4-byte-aligned input a word at a time and other input a byte at a time
    // (~8% slower): a large unaligned input (a received frame body) is worth one copy.
    this.state.update(data.byteOffset % 4 !== 0 && data.length >= ALIGN_COPY_MIN ? data.slice() : data);
  }

  digestInto(out: Uint8Array): void {
    this.state._cloneInto(this.scratch).digestInto(out);
  }

  updateDigestInto(data: Uint8Array, out: Uint8Array): void {
    this.update(data);
    this.state._cloneInto(this.scratch).digestInto(out);
  }
}
