/**
 * The fast backend's running keccak-256 states (the RLPx MACs) on ./keccak-f1600-wasm.ts.
 *
 * A state is 200 bytes of sponge plus the not yet absorbed tail of its input, held in the
 * state's own arrays; one module instance, shared by every state, does the permutations. An
 * update of fewer bytes than complete a block only appends to the tail; otherwise the sponge
 * is copied into the module's memory, the blocks absorbed and the sponge copied back. A digest
 * copies the sponge into a scratch area, absorbs the padded tail there and reads 32 bytes: the
 * state is never finalised and nothing is allocated (but a view per chunk of an update longer
 * than the input area). hash-wasm, used before, offers only save()/load() of a 404-byte
 * snapshot, allocated afresh on every save.
 */
import type { RunningKeccak } from '../backend.js';
import { KECCAK256_RATE, KECCAK_STATE_BYTES, keccakF1600Module, MEMORY_PAGES, ROUND_CONSTANTS_BYTES } from './keccak-f1600-wasm.js';

/** Where the state being updated sits in the module's memory (after the round constants). */
const STATE_AT = ROUND_CONSTANTS_BYTES + 64;
/** Where a digest's copy of a state sits. */
const SCRATCH_AT = STATE_AT + KECCAK_STATE_BYTES + 56;
/** Where input blocks are copied for absorbing, up to the end of memory. */
const DATA_AT = 1024;
/** Whole blocks that fit at {@link DATA_AT}. */
const DATA_BLOCKS = Math.floor((MEMORY_PAGES * 65536 - DATA_AT) / KECCAK256_RATE);
/** Bytes of a keccak-256 digest. */
const DIGEST_BYTES = 32;

/** The WebAssembly API as far as we use it (lib ES2022 does not type it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: { memory: { buffer: ArrayBuffer }; absorb(state: number, data: number, blocks: number): void } };
}

/** The module instance and fixed views of the regions of its memory. */
export class KeccakF1600 {
  readonly absorb: (state: number, data: number, blocks: number) => void;
  readonly memory: Uint8Array;
  /** The state being updated. */
  readonly state: Uint8Array;
  /** A digest's copy of a state. */
  readonly scratch: Uint8Array;
  /** The digest bytes of the scratch state. */
  readonly digest: Uint8Array;
  /** The first block of the input area. */
  readonly firstBlock: Uint8Array;

  constructor() {
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const { exports } = new wasm.Instance(new wasm.Module(keccakF1600Module()), {});
    this.absorb = exports.absorb;
    // The memory has no maximum but nothing grows it, so views of its buffer stay valid.
    this.memory = new Uint8Array(exports.memory.buffer);
    this.state = this.memory.subarray(STATE_AT, STATE_AT + KECCAK_STATE_BYTES);
    this.scratch = this.memory.subarray(SCRATCH_AT, SCRATCH_AT + KECCAK_STATE_BYTES);
    this.firstBlock = this.memory.subarray(DATA_AT, DATA_AT + KECCAK256_RATE);
    this.digest = this.scratch.subarray(0, DIGEST_BYTES);
  }
}

/** A running keccak-256 state; see the file comment. */
export class WasmRunningKeccak implements RunningKeccak {
  private readonly sponge: Uint8Array;
  /** Input not yet absorbed: always fewer bytes than a block. */
  private readonly tail: Uint8Array;
  private tailLength = 0;

  constructor(private readonly k: KeccakF1600) {
    // Both views over one buffer: an RLPx session keeps four states, and each ArrayBuffer
    // object costs heap on top of its bytes.
    const bytes = new ArrayBuffer(KECCAK_STATE_BYTES + KECCAK256_RATE);
    this.sponge = new Uint8Array(bytes, 0, KECCAK_STATE_BYTES);
    this.tail = new Uint8Array(bytes, KECCAK_STATE_BYTES, KECCAK256_RATE);
  }

  update(data: Uint8Array): void {
    if (this.tailLength + data.length < KECCAK256_RATE) {
      this.tail.set(data, this.tailLength);
      this.tailLength += data.length;
      return;
    }
    const { k } = this;
    k.state.set(this.sponge);
    k.firstBlock.set(this.tail);
    let held = this.tailLength;
    for (let offset = 0; offset < data.length; ) {
      const take = Math.min(data.length - offset, DATA_BLOCKS * KECCAK256_RATE - held);
      k.memory.set(offset === 0 && take === data.length ? data : data.subarray(offset, offset + take), DATA_AT + held);
      const total = held + take;
      const blocks = Math.floor(total / KECCAK256_RATE);
      k.absorb(STATE_AT, DATA_AT, blocks);
      k.memory.copyWithin(DATA_AT, DATA_AT + blocks * KECCAK256_RATE, DATA_AT + total);
      held = total - blocks * KECCAK256_RATE;
      offset += take;
    }
    this.sponge.set(k.state);
    this.tail.set(k.firstBlock);
    this.tailLength = held;
  }

  digestInto(out: Uint8Array): void {
    const { k } = this;
    k.scratch.set(this.sponge);
    const block = k.firstBlock;
    block.set(this.tail);
    block.fill(0, this.tailLength);
    // Keccak's pad10*1 with Ethereum's (pre-SHA-3) domain byte 0x01.
    block[this.tailLength] = 0x01;
    block[KECCAK256_RATE - 1]! |= 0x80;
    k.absorb(SCRATCH_AT, DATA_AT, 1);
    out.set(k.digest);
  }

  updateDigestInto(data: Uint8Array, out: Uint8Array): void {
    this.update(data);
    this.digestInto(out);
  }
}

/**
 * keccak-256 of `parts` in one pass on the module: the input is copied once into its memory,
 * padded there and absorbed in one call; the sponge starts zeroed in the module's state area.
 * Replaces hash-wasm's init/update/digest for one-shot hashes (a header's hash: 4.5 µs with
 * hash-wasm against ~1.5 µs here for 640 bytes). Input longer than the memory's input area
 * goes through a running state.
 */
export function keccak256Once(k: KeccakF1600, parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const blocks = Math.floor(total / KECCAK256_RATE) + 1;
  if (blocks > DATA_BLOCKS) {
    const s = new WasmRunningKeccak(k);
    for (const p of parts) s.update(p);
    const out = new Uint8Array(DIGEST_BYTES);
    s.digestInto(out);
    return out;
  }
  const mem = k.memory;
  k.state.fill(0);
  let at = DATA_AT;
  for (const p of parts) {
    mem.set(p, at);
    at += p.length;
  }
  const end = DATA_AT + blocks * KECCAK256_RATE;
  mem.fill(0, at, end);
  // Keccak's pad10*1 with Ethereum's (pre-SHA-3) domain byte 0x01.
  mem[at] = 0x01;
  mem[end - 1]! |= 0x80;
  k.absorb(STATE_AT, DATA_AT, blocks);
  return k.state.slice(0, DIGEST_BYTES);
}
