/**
 * A WebAssembly module of our own for the fast backend's running keccak states: one function,
 * `absorb(state, data, blocks)`, that XORs `blocks` rate-sized (136-byte) blocks at `data` into
 * the 200-byte keccak-f[1600] state at `state` and permutes after each, keeping the 25 lanes in
 * locals for the whole call. The bytes are emitted here from the algorithm (FIPS 202 §3.2) rather
 * than shipped as an opaque binary, so what runs is what this file reads as.
 *
 * Memory: one 64 KiB page, exported; the 24 round constants are a data segment at address 0,
 * the rest is the caller's (see ./running-keccak.ts for the layout it uses).
 */

/** Bytes absorbed per permutation by keccak-256 (1600 - 2·256 bits). */
export const KECCAK256_RATE = 136;
/** Bytes of the keccak-f[1600] state. */
export const KECCAK_STATE_BYTES = 200;
/** Bytes taken by the round constants at the start of memory. */
export const ROUND_CONSTANTS_BYTES = 24 * 8;
/** Memory pages of the module (64 KiB each); it never grows. */
export const MEMORY_PAGES = 1;

const LANES = 25;
const RATE_LANES = KECCAK256_RATE / 8;
/** ρ offsets by lane index x + 5y. */
const RHO = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];

// The opcodes we emit (WebAssembly core spec, binary format).
const I32 = 0x7f;
const I64 = 0x7e;
const BLOCK = 0x02;
const LOOP = 0x03;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const EMPTY = 0x40;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const I64_LOAD = 0x29;
const I64_STORE = 0x37;
const I32_CONST = 0x41;
const I64_CONST = 0x42;
const I32_EQZ = 0x45;
const I32_NE = 0x47;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I64_AND = 0x83;
const I64_XOR = 0x85;
const I64_ROTL = 0x89;
/** log2 of the alignment hint of an 8-byte access. */
const ALIGN_8 = 3;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

/** The 24 ι round constants, from the spec's LFSR rc(t) rather than a table. */
export function roundConstants(): bigint[] {
  let r = 1;
  const bit = (): number => {
    const out = r & 1;
    r <<= 1;
    if (r & 0x100) r ^= 0x171;
    return out;
  };
  return Array.from({ length: 24 }, () => {
    let c = 0n;
    for (let j = 0; j < 7; j++) if (bit()) c |= 1n << BigInt((1 << j) - 1);
    return c;
  });
}

/** The body of `absorb(state: i32, data: i32, blocks: i32)`. */
function absorbBody(): number[] {
  const [STATE, DATA, BLOCKS, RC] = [0, 1, 2, 3];
  const a = (i: number): number => 4 + i;
  const b = (i: number): number => 4 + LANES + i;
  const c = (x: number): number => 4 + 2 * LANES + x;
  const D = 4 + 2 * LANES + 5;
  const get = (l: number): number[] => [LOCAL_GET, ...uleb(l)];
  const set = (l: number): number[] => [LOCAL_SET, ...uleb(l)];
  const code: number[] = [];
  const emit = (...ops: (number | number[])[]): void => {
    for (const o of ops) typeof o === 'number' ? code.push(o) : code.push(...o);
  };
  for (let i = 0; i < LANES; i++) emit(get(STATE), I64_LOAD, ALIGN_8, uleb(i * 8), set(a(i)));
  emit(BLOCK, EMPTY, LOOP, EMPTY);
  emit(get(BLOCKS), I32_EQZ, BR_IF, 1);
  for (let i = 0; i < RATE_LANES; i++) emit(get(a(i)), get(DATA), I64_LOAD, ALIGN_8, uleb(i * 8), I64_XOR, set(a(i)));
  emit(I32_CONST, 0, set(RC), LOOP, EMPTY);
  // θ
  for (let x = 0; x < 5; x++) {
    emit(get(a(x)));
    for (let y = 1; y < 5; y++) emit(get(a(x + 5 * y)), I64_XOR);
    emit(set(c(x)));
  }
  for (let x = 0; x < 5; x++) {
    emit(get(c((x + 4) % 5)), get(c((x + 1) % 5)), I64_CONST, 1, I64_ROTL, I64_XOR, set(D));
    for (let y = 0; y < 5; y++) emit(get(a(x + 5 * y)), get(D), I64_XOR, set(a(x + 5 * y)));
  }
  // ρ and π: B[y, 2x + 3y] = rot(A[x, y], r[x, y])
  for (let x = 0; x < 5; x++) {
    for (let y = 0; y < 5; y++) {
      const r = RHO[x + 5 * y]!;
      emit(get(a(x + 5 * y)));
      if (r !== 0) emit(I64_CONST, sleb(r), I64_ROTL);
      emit(set(b(y + 5 * ((2 * x + 3 * y) % 5))));
    }
  }
  // χ
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 5; x++) {
      emit(get(b(x + 5 * y)), get(b(((x + 1) % 5) + 5 * y)), I64_CONST, sleb(-1), I64_XOR, get(b(((x + 2) % 5) + 5 * y)), I64_AND, I64_XOR);
      emit(set(a(x + 5 * y)));
    }
  }
  // ι: the round constants are at address 0, RC steps through them.
  emit(get(a(0)), get(RC), I64_LOAD, ALIGN_8, 0, I64_XOR, set(a(0)));
  emit(get(RC), I32_CONST, sleb(8), I32_ADD, LOCAL_TEE, uleb(RC), I32_CONST, sleb(ROUND_CONSTANTS_BYTES), I32_NE, BR_IF, 0, END);
  emit(get(DATA), I32_CONST, sleb(KECCAK256_RATE), I32_ADD, set(DATA));
  emit(get(BLOCKS), I32_CONST, 1, I32_SUB, set(BLOCKS), BR, 0, END, END);
  for (let i = 0; i < LANES; i++) emit(get(STATE), get(a(i)), I64_STORE, ALIGN_8, uleb(i * 8));
  emit(END);
  // Locals after the three parameters: RC (i32), then a, b, c and D (i64).
  const locals = vec([[1, I32], [2 * LANES + 5 + 1, I64]]);
  return [...locals, ...code];
}

/** The module's bytes. */
export function keccakF1600Module(): Uint8Array {
  const constants = roundConstants().flatMap((rc) => Array.from({ length: 8 }, (_, i) => Number((rc >> BigInt(8 * i)) & 0xffn)));
  const body = absorbBody();
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32]]), ...vec([])]])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, ...uleb(MEMORY_PAGES)]])),
    ...section(7, vec([[...name('memory'), 0x02, 0], [...name('absorb'), 0x00, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
    ...section(11, vec([[0x00, I32_CONST, 0, END, ...uleb(constants.length), ...constants]])),
  ]);
}
