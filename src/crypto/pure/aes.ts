/**
 * AES-CTR streams from @noble/ciphers. Its public `ctr()` refuses a second call, and RLPx needs
 * one continuous stream per direction, so the stream keeps the expanded key and the counter
 * block and calls the `unsafe.ctrCounter` primitive (which advances the counter in place) for
 * whole blocks, and one keystream block for a trailing partial block.
 */
import { unsafe } from '@noble/ciphers/aes.js';
import type { CtrStream } from '../backend.js';

const BLOCK = 16;
const aligned = (b: Uint8Array): boolean => b.byteOffset % 4 === 0;

export class NobleCtrStream implements CtrStream {
  private readonly xk: Uint32Array;
  private readonly counter: Uint8Array;
  /** Keystream left over from a partial block, used before the next counter block. */
  private readonly spare = new Uint8Array(BLOCK);
  private sparePos = BLOCK;

  constructor(key: Uint8Array, iv: Uint8Array) {
    this.xk = unsafe.expandKeyLE(key);
    this.counter = iv.slice();
  }

  processCopy(src: Uint8Array): Uint8Array {
    const out = src.slice();
    this.process(out, out);
    return out;
  }

  process(src: Uint8Array, dst: Uint8Array): void {
    const n = src.length;
    let i = 0;
    while (this.sparePos < BLOCK && i < n) {
      dst[i] = src[i]! ^ this.spare[this.sparePos++]!;
      i++;
    }
    const whole = (n - i) & ~(BLOCK - 1);
    if (whole > 0) {
      const s = src.subarray(i, i + whole);
      const d = dst.subarray(i, i + whole);
      // The primitive reads and writes 32-bit words: an unaligned view goes through a copy.
      if (aligned(s) && aligned(d)) {
        unsafe.ctrCounter(this.xk, this.counter, s, d);
      } else {
        const tmp = s.slice();
        unsafe.ctrCounter(this.xk, this.counter, tmp, tmp);
        d.set(tmp);
      }
      i += whole;
    }
    if (i < n) {
      this.spare.fill(0);
      unsafe.ctrCounter(this.xk, this.counter, this.spare, this.spare);
      this.sparePos = 0;
      for (; i < n; i++) dst[i] = src[i]! ^ this.spare[this.sparePos++]!;
    }
  }
}
