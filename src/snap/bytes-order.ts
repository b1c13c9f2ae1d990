/** Byte-string helpers of snap: the order of trie keys, and hash-sized bounds. */

/** Lexicographic order of byte strings, the order of trie keys. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** geth `common.BytesToHash`: the last 32 bytes, left-padded with zeros when shorter. */
export function bytesToHash(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  out.set(b.length > 32 ? b.subarray(b.length - 32) : b, 32 - Math.min(32, b.length));
  return out;
}
