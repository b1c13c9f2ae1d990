/**
 * Long synthetic header chains for the store benchmarks, generated fast and fed top-down as
 * header sync feeds the store, without holding the chain in memory.
 *
 * Headers are mainnet-shaped (post-Prague fields, a 256-byte bloom, ~530-560 bytes) with their
 * fields drawn from a small PRNG seeded by the block number, so header `n` can be rebuilt from
 * `n` and its parent's hash alone. A chain is built in two passes: bottom-up once to learn every
 * hash (kept in a temporary file, 32 bytes per header), then top-down in chunks, each header
 * rebuilt from its number and its parent's hash read back from that file.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY_REQUESTS_HASH, EMPTY_UNCLE_HASH } from '../src/chain/constants.js';
import { keccak256 } from '../src/crypto/keccak.js';
import { decodeHeader, type BlockHeader, type HeaderFields } from '../src/chain/header.js';

const EXTRA = new TextEncoder().encode('synthetic-chain/bench');

/** xorshift32 bytes: cheap, deterministic, good enough to make incompressible fields. */
function fill(out: Uint8Array, seed: number): Uint8Array {
  let x = (seed ^ 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < out.length; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
    if (i + 1 < out.length) out[i + 1] = (x >>> 8) & 0xff;
    if (i + 2 < out.length) out[i + 2] = (x >>> 16) & 0xff;
    if (i + 3 < out.length) out[i + 3] = x >>> 24;
  }
  return out;
}

/** Appends the RLP of an unsigned integer below 2^53. */
function putUint(out: Uint8Array, off: number, v: number): number {
  if (v === 0) {
    out[off] = 0x80;
    return off + 1;
  }
  if (v < 0x80) {
    out[off] = v;
    return off + 1;
  }
  let len = 0;
  for (let x = v; x > 0; x = Math.floor(x / 256)) len++;
  out[off] = 0x80 + len;
  for (let i = len, x = v; i > 0; i--, x = Math.floor(x / 256)) out[off + i] = x % 256;
  return off + 1 + len;
}

/** Appends a byte string of 1 < length < 56 (or the 256-byte bloom). */
function putBytes(out: Uint8Array, off: number, b: Uint8Array): number {
  if (b.length === 256) {
    out.set([0xb9, 0x01, 0x00], off);
    off += 3;
  } else out[off++] = 0x80 + b.length;
  out.set(b, off);
  return off + b.length;
}

const scratch32 = new Uint8Array(32);
const scratch20 = new Uint8Array(20);
const scratchBloom = new Uint8Array(256);

/**
 * The RLP of synthetic header `number` (the child of `parentHash`): the encoding
 * `encodeHeaderFields` gives for {@link syntheticFields}, written directly (it is the
 * benchmark's own cost: several times faster than the general encoder).
 */
export function syntheticRaw(number: number, parentHash: Uint8Array): Uint8Array {
  const s = Math.imul(number, 2654435761) >>> 0;
  const body = new Uint8Array(704);
  let o = 0;
  o = putBytes(body, o, parentHash);
  o = putBytes(body, o, EMPTY_UNCLE_HASH);
  o = putBytes(body, o, fill(scratch20, number % 17));
  for (const k of [1, 2, 3]) o = putBytes(body, o, fill(scratch32, s ^ k));
  o = putBytes(body, o, fill(scratchBloom, s ^ 4));
  o = putUint(body, o, 0);
  o = putUint(body, o, number);
  o = putUint(body, o, 36_000_000);
  o = putUint(body, o, 8_000_000 + (s % 28_000_000));
  o = putUint(body, o, 1_600_000_000 + 12 * number);
  o = putBytes(body, o, EXTRA);
  o = putBytes(body, o, fill(scratch32, s ^ 5));
  o = putBytes(body, o, new Uint8Array(8));
  o = putUint(body, o, 300_000_000 + (s % 4_000_000_000));
  o = putBytes(body, o, fill(scratch32, s ^ 6));
  o = putUint(body, o, 131_072 * (s % 10));
  o = putUint(body, o, s % 20_000_000);
  o = putBytes(body, o, fill(scratch32, s ^ 7));
  o = putBytes(body, o, number % 5 === 0 ? fill(scratch32, s ^ 8) : EMPTY_REQUESTS_HASH);
  // Always between 256 and 65535 bytes: a 3-byte list header.
  const out = new Uint8Array(3 + o);
  out.set([0xf9, o >> 8, o & 0xff]);
  out.set(body.subarray(0, o), 3);
  return out;
}

/** The fields {@link syntheticRaw} encodes (to check the fast encoder against the general one). */
export function syntheticFields(number: number, parentHash: Uint8Array): HeaderFields {
  const s = Math.imul(number, 2654435761) >>> 0;
  const bytes = (len: number, seed: number) => fill(new Uint8Array(len), seed);
  return {
    parentHash,
    uncleHash: EMPTY_UNCLE_HASH,
    coinbase: bytes(20, number % 17),
    stateRoot: bytes(32, s ^ 1),
    txRoot: bytes(32, s ^ 2),
    receiptRoot: bytes(32, s ^ 3),
    bloom: bytes(256, s ^ 4),
    difficulty: 0n,
    number: BigInt(number),
    gasLimit: 36_000_000n,
    gasUsed: BigInt(8_000_000 + (s % 28_000_000)),
    time: 1_600_000_000n + 12n * BigInt(number),
    extra: EXTRA,
    mixDigest: bytes(32, s ^ 5),
    nonce: new Uint8Array(8),
    baseFee: BigInt(300_000_000 + (s % 4_000_000_000)),
    withdrawalsRoot: bytes(32, s ^ 6),
    blobGasUsed: 131_072n * BigInt(s % 10),
    excessBlobGas: BigInt(s % 20_000_000),
    parentBeaconRoot: bytes(32, s ^ 7),
    requestsHash: number % 5 === 0 ? bytes(32, s ^ 8) : EMPTY_REQUESTS_HASH,
  };
}

/** Synthetic header `number`, the child of `parentHash` (decoded from {@link syntheticRaw}). */
export function syntheticHeader(number: number, parentHash: Uint8Array): BlockHeader {
  return decodeHeader(syntheticRaw(number, parentHash));
}

const HASH_BATCH = 65_536;

/** A synthetic chain of blocks 0 .. head whose hashes are known (kept in a temporary file). */
export class SyntheticChain {
  private readonly dir: string;
  private readonly fd: number;

  private constructor(readonly head: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'devp2p-ts-synthetic-'));
    this.fd = openSync(join(this.dir, 'hashes'), 'w+');
  }

  /** Generates blocks 0 .. head bottom-up once, keeping only their hashes (on disk). */
  static build(head: number, onProgress?: (n: number) => void): SyntheticChain {
    const c = new SyntheticChain(head);
    const batch = new Uint8Array(HASH_BATCH * 32);
    let parent: Uint8Array = new Uint8Array(32);
    let inBatch = 0;
    let written = 0;
    for (let n = 0; n <= head; n++) {
      const hash = keccak256(syntheticRaw(n, parent));
      batch.set(hash, inBatch * 32);
      parent = hash;
      if (++inBatch === HASH_BATCH || n === head) {
        writeSync(c.fd, batch, 0, inBatch * 32, written * 32);
        written += inBatch;
        inBatch = 0;
        onProgress?.(n + 1);
      }
    }
    return c;
  }

  /** Hashes of blocks `from .. from + count - 1`, back to back. */
  hashes(from: number, count: number): Uint8Array {
    const out = new Uint8Array(count * 32);
    let got = 0;
    while (got < out.length) got += readSync(this.fd, out, got, out.length - got, from * 32 + got);
    return out;
  }

  hash(n: number): Uint8Array {
    return this.hashes(n, 1);
  }

  /** Blocks `lo .. hi`, ascending, rebuilt from their parents' hashes. */
  range(lo: number, hi: number): BlockHeader[] {
    const base = Math.max(0, lo - 1);
    const parents = this.hashes(base, hi - base);
    const out: BlockHeader[] = [];
    for (let n = lo; n <= hi; n++) {
      const parent = n === 0 ? new Uint8Array(32) : parents.subarray((n - 1 - base) * 32, (n - base) * 32);
      out.push(syntheticHeader(n, parent));
    }
    return out;
  }

  /** The chain top-down in ascending chunks of `size`, as header sync hands them to the store. */
  *chunksDown(size: number, to = 0): Generator<BlockHeader[]> {
    for (let hi = this.head; hi >= to; hi -= size) yield this.range(Math.max(to, hi - size + 1), hi);
  }

  close(): void {
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
