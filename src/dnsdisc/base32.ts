/**
 * RFC 4648 base32 with the standard alphabet and no padding, as geth's dnsdisc writes hashes
 * and link keys (`base32.StdEncoding.WithPadding(base32.NoPadding)`). Decoding follows Go's
 * decoder: upper-case alphabet only, a final group of 1, 3 or 6 characters is corrupt, and the
 * unused low bits of the last character are ignored.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

/** Encodes bytes as unpadded base32. */
export function base32Encode(data: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of data) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

/** The number of bytes `length` base32 characters decode to (Go's NoPadding DecodedLen). */
export function base32DecodedLength(length: number): number {
  return Math.floor((length * 5) / 8);
}

/** Decodes unpadded base32; undefined when `text` is not valid (Go's CorruptInputError). */
export function base32Decode(text: string): Uint8Array | undefined {
  const rest = text.length % 8;
  if (rest === 1 || rest === 3 || rest === 6) return undefined;
  const out = new Uint8Array(base32DecodedLength(text.length));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? VALUES[c]! : -1;
    if (v < 0) return undefined;
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      if (n < out.length) out[n++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}
