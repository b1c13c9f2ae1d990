/**
 * A FIFO of received chunks. Bytes are joined only when a reader takes a span that crosses
 * chunks, so a large frame arriving in many TCP chunks is copied once (not once per chunk).
 */
export class ReadBuffer {
  private chunks: Uint8Array[] = [];
  private head = 0; // read offset into chunks[0]
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The first `n` bytes without consuming them (a view when they sit in one chunk). */
  peek(n: number): Uint8Array {
    if (n > this.length) throw new RangeError(`peek(${n}) beyond ${this.length} buffered bytes`);
    const first = this.chunks[0];
    if (first && first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    const out = new Uint8Array(n);
    let off = 0;
    let pos = this.head;
    for (const c of this.chunks) {
      const take = Math.min(c.length - pos, n - off);
      out.set(c.subarray(pos, pos + take), off);
      off += take;
      pos = 0;
      if (off === n) break;
    }
    return out;
  }

  /** Removes and returns the first `n` bytes. */
  take(n: number): Uint8Array {
    const out = this.peek(n);
    this.skip(n);
    return out;
  }

  /** Drops the first `n` bytes. */
  skip(n: number): void {
    this.length -= n;
    while (n > 0) {
      const c = this.chunks[0]!;
      const avail = c.length - this.head;
      if (avail > n) {
        this.head += n;
        return;
      }
      n -= avail;
      this.chunks.shift();
      this.head = 0;
    }
  }

  /** Removes and returns everything buffered. */
  takeAll(): Uint8Array {
    return this.take(this.length);
  }
}
