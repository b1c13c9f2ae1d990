/**
 * keccak-256 for the pure backend: a sponge (rate 136, Keccak padding 0x01 ... 0x80, 32-byte
 * output) over our unrolled Keccak-f[1600] (./keccak-f1600.ts, generated). The permutation is
 * the RLPx throughput bottleneck: the frame MACs absorb every byte on the wire, and the
 * unrolled one runs 1.5-2.4x faster than @noble/hashes' loop form (bench: `pure_keccak_1mib_ms`
 * beside `noble_keccak_1mib_ms`). Tests check it against @noble/hashes and published digests.
 *
 * Running states (the RLPx MACs) are digested from a scratch sponge that the state is copied
 * into (50 words), never re-absorbed. Bytes are absorbed a 32-bit word at a time (from an
 * aligned view, or assembled from four bytes), which needs a little-endian host; on a
 * big-endian one @noble/hashes does the work.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import type { RunningKeccak } from '../backend.js';
import { keccakF1600 } from './keccak-f1600.js';

/** Bytes absorbed per permutation for keccak-256 (1600 - 2·256 bits). */
const RATE = 136;
const RATE_WORDS = RATE / 4;
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

class Sponge {
  readonly words = new Uint32Array(50);
  readonly bytes = new Uint8Array(this.words.buffer);
  /** Bytes of the current block absorbed so far. */
  pos = 0;

  absorb(d: Uint8Array): void {
    const s = this.words;
    const n = d.length;
    let i = 0;
    while (i < n) {
      if ((this.pos & 3) === 0 && n - i >= 4) {
        let p = this.pos >>> 2;
        const end = Math.min(RATE_WORDS, p + ((n - i) >>> 2));
        if (((d.byteOffset + i) & 3) === 0) {
          const w = new Uint32Array(d.buffer, d.byteOffset + i, end - p);
          for (let k = 0; p < end; p++, k++) s[p]! ^= w[k]!;
          i += w.length << 2;
        } else {
          for (; p < end; p++, i += 4) s[p]! ^= d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24);
        }
        this.pos = p << 2;
      } else {
        this.bytes[this.pos++]! ^= d[i++]!;
      }
      if (this.pos === RATE) {
        keccakF1600(s);
        this.pos = 0;
      }
    }
  }

  /** Writes the digest of what was absorbed to out[0..32), finishing `scratch` (a copy), not this. */
  digestInto(out: Uint8Array, scratch: Sponge): void {
    scratch.words.set(this.words);
    const b = scratch.bytes;
    b[this.pos]! ^= 0x01;
    b[RATE - 1]! ^= 0x80;
    keccakF1600(scratch.words);
    out.set(b.subarray(0, 32));
  }
}

/** A running keccak-256 state on the unrolled permutation. */
class UnrolledRunningKeccak implements RunningKeccak {
  private readonly state = new Sponge();
  private readonly scratch = new Sponge();

  update(data: Uint8Array): void {
    this.state.absorb(data);
  }

  digestInto(out: Uint8Array): void {
    this.state.digestInto(out, this.scratch);
  }

  updateDigestInto(data: Uint8Array, out: Uint8Array): void {
    this.state.absorb(data);
    this.state.digestInto(out, this.scratch);
  }
}

/** The same contract on @noble/hashes (big-endian hosts). */
class NobleRunningKeccak implements RunningKeccak {
  private readonly state = keccak_256.create();
  private readonly scratch = keccak_256.create();

  update(data: Uint8Array): void {
    this.state.update(data);
  }

  digestInto(out: Uint8Array): void {
    this.state._cloneInto(this.scratch).digestInto(out);
  }

  updateDigestInto(data: Uint8Array, out: Uint8Array): void {
    this.update(data);
    this.digestInto(out);
  }
}

const oneShot = new Sponge();
const oneShotScratch = new Sponge();

export function keccak256(parts: readonly Uint8Array[]): Uint8Array {
  if (!LITTLE_ENDIAN) {
    const h = keccak_256.create();
    for (const p of parts) h.update(p);
    return h.digest();
  }
  // One shared sponge: keccak256 never yields, so no caller can interleave with another.
  oneShot.words.fill(0);
  oneShot.pos = 0;
  for (const p of parts) oneShot.absorb(p);
  const out = new Uint8Array(32);
  oneShot.digestInto(out, oneShotScratch);
  return out;
}

export const runningKeccak = (): RunningKeccak => (LITTLE_ENDIAN ? new UnrolledRunningKeccak() : new NobleRunningKeccak());
