/** The 2048-bit logs bloom of receipts and headers (yellow paper 4.3.1; geth `types.Bloom`). */
import { keccak256 } from '../crypto/keccak.js';
import type { Log } from './receipt.js';

/** Bloom size in bytes. */
export const BLOOM_BYTES = 256;

/** Sets the three bits of `data` in `bloom` (in place). */
export function bloomAdd(bloom: Uint8Array, data: Uint8Array): void {
  const h = keccak256(data);
  for (let i = 0; i < 6; i += 2) {
    const bit = ((h[i]! << 8) | h[i + 1]!) & 2047;
    bloom[BLOOM_BYTES - 1 - (bit >> 3)]! |= 1 << (bit & 7);
  }
}

/** The bloom of a list of logs: every log's address and topics. */
export function logsBloom(logs: readonly Log[]): Uint8Array {
  const bloom = new Uint8Array(BLOOM_BYTES);
  for (const log of logs) {
    bloomAdd(bloom, log.address);
    for (const t of log.topics) bloomAdd(bloom, t);
  }
  return bloom;
}

/** OR of blooms (a header's bloom is the OR of its receipts'). */
export function orBlooms(blooms: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(BLOOM_BYTES);
  for (const b of blooms) for (let i = 0; i < BLOOM_BYTES; i++) out[i]! |= b[i]!;
  return out;
}
