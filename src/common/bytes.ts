/** Small byte helpers shared by every layer. Hex appears only at the edges (CLI, logs, JSON). */

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function bytesToHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Parses hex with or without 0x; throws on odd length or non-hex characters. */
export function hexToBytes(hex: string): Uint8Array {
  const h = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new TypeError(`invalid hex: ${hex.slice(0, 40)}`);
  return new Uint8Array(Buffer.from(h, 'hex'));
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** Big-endian unsigned integer of minimal length (0 -> empty), as RLP encodes integers. */
export function uintToBytes(v: number | bigint): Uint8Array {
  let x = BigInt(v);
  if (x < 0n) throw new RangeError('negative integer');
  const out: number[] = [];
  while (x > 0n) {
    out.unshift(Number(x & 0xffn));
    x >>= 8n;
  }
  return new Uint8Array(out);
}

/** Big-endian bytes to bigint. */
export function bytesToBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** Big-endian bytes to a number; throws if the value exceeds 2^53-1. */
export function bytesToNumber(b: Uint8Array): number {
  if (b.length > 7) {
    const v = bytesToBigInt(b);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('integer exceeds 2^53-1');
    return Number(v);
  }
  let v = 0;
  for (const x of b) v = v * 256 + x;
  return v;
}
