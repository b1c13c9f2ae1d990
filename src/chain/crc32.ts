/**
 * IEEE CRC-32 (the zlib/PNG polynomial), as EIP-2124 fork IDs use it. Written here rather than
 * taken from `node:zlib` because `zlib.crc32` only exists from Node 20.15, and the package
 * supports every Node 20.
 */

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32 of `data`, continuing from `crc` (the checksum of the bytes before it), so
 * `crc32(b, crc32(a)) === crc32(a || b)`.
 */
export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
