/**
 * Block hash -> position, for chains too long for a `Map` keyed by hex strings (which costs
 * ~150 bytes per entry and stops at 2^24 entries). Hashes are kept back to back in one byte
 * array and found through an open-addressing table of 32-bit slots: 40 to 48 bytes per block
 * once trimmed.
 */

/** Positions and their 32-byte hashes, appended in position order (0, 1, 2, ...). */
export class BlockHashIndex {
  private hashes = new Uint8Array(32 * 1024);
  // Slot value: position + 1, or 0 for empty. Capacity is a power of two, kept at least twice the count.
  private slots = new Uint32Array(2048);
  private count = 0;

  /** Number of hashes held. */
  get size(): number {
    return this.count;
  }

  /** Bytes held (hashes and slots). */
  get bytes(): number {
    return this.hashes.byteLength + this.slots.byteLength;
  }

  /** Drops the room left for more hashes (call once the last one is pushed; pushing later grows again). */
  trim(): void {
    this.hashes = this.hashes.slice(0, 32 * this.count);
  }

  /** The hash at `position`. */
  hashAt(position: number): Uint8Array {
    return this.hashes.subarray(32 * position, 32 * position + 32);
  }

  /** Appends `hash` as the next position; returns that position. Hashes must be distinct. */
  push(hash: Uint8Array): number {
    if (hash.length !== 32) throw new RangeError('block hash must be 32 bytes');
    if (32 * (this.count + 1) > this.hashes.length) {
      const next = new Uint8Array(this.hashes.length * 2);
      next.set(this.hashes);
      this.hashes = next;
    }
    const position = this.count++;
    this.hashes.set(hash, 32 * position);
    if (this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.insert(position);
    return position;
  }

  /** The position of `hash`, or undefined. */
  find(hash: Uint8Array): number | undefined {
    if (hash.length !== 32) return undefined;
    const mask = this.slots.length - 1;
    for (let s = slotOf(hash) & mask; ; s = (s + 1) & mask) {
      const v = this.slots[s]!;
      if (v === 0) return undefined;
      if (this.matches(v - 1, hash)) return v - 1;
    }
  }

  private matches(position: number, hash: Uint8Array): boolean {
    const base = 32 * position;
    for (let i = 0; i < 32; i++) if (this.hashes[base + i] !== hash[i]) return false;
    return true;
  }

  private insert(position: number): void {
    const mask = this.slots.length - 1;
    const h = this.hashes;
    const b = 32 * position;
    let s = (((h[b]! << 24) | (h[b + 1]! << 16) | (h[b + 2]! << 8) | h[b + 3]!) >>> 0) & mask;
    while (this.slots[s] !== 0) s = (s + 1) & mask;
    this.slots[s] = position + 1;
  }

  private rehash(capacity: number): void {
    this.slots = new Uint32Array(capacity);
    for (let p = 0; p < this.count; p++) this.insert(p);
  }
}

/** Block hashes are uniformly random: their first four bytes are a fine slot hash. */
function slotOf(hash: Uint8Array): number {
  return ((hash[0]! << 24) | (hash[1]! << 16) | (hash[2]! << 8) | hash[3]!) >>> 0;
}
