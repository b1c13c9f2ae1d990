/**
 * Byte-level and RLP-aware mutations, driven by a seeded PRNG so that a run is reproducible
 * from its seed. The property tests and the fuzz runner both mutate through here.
 */

/** A uniform random number in [0, 1). */
export type Rng = () => number;

/** mulberry32: small, fast, good enough to drive mutations; `seed` is any 32-bit integer. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n). */
export function randInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Byte values that sit on RLP boundaries (string/list, short/long form) and integer edges. */
export const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0x81, 0xb7, 0xb8, 0xb9, 0xbf, 0xc0, 0xc1, 0xf7, 0xf8, 0xf9, 0xff];

/** Random bytes, biased towards short inputs and RLP-looking first bytes. */
export function randomInput(rng: Rng, maxLen: number): Uint8Array {
  const len = rng() < 0.7 ? randInt(rng, Math.min(maxLen, 256) + 1) : randInt(rng, Math.min(maxLen, 1 << 16) + 1);
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = rng() < 0.1 ? INTERESTING_BYTES[randInt(rng, INTERESTING_BYTES.length)]! : randInt(rng, 256);
  return out;
}

/** An RLP long-form header claiming `len` bytes (list or string), without the payload. */
export function rlpLongHeader(len: number, list: boolean): Uint8Array {
  const bytes: number[] = [];
  for (let x = len; x > 0; x = Math.floor(x / 256)) bytes.unshift(x % 256);
  if (bytes.length === 0) bytes.push(0);
  return Uint8Array.from([(list ? 0xf7 : 0xb7) + bytes.length, ...bytes]);
}

/** Joins byte arrays (takes an array: spreading 100k parts would overflow the stack). */
function join(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A parsed RLP item: a byte string kept as its full encoding, or a list of items. */
type RlpNode = { list: false; enc: Uint8Array } | { list: true; items: RlpNode[] };

/** Parses `d` as a sequence of RLP items (lenient about canonical form); undefined if malformed. */
function parseItems(d: Uint8Array, start: number, end: number, depth: number): RlpNode[] | undefined {
  const out: RlpNode[] = [];
  let pos = start;
  while (pos < end) {
    const b = d[pos]!;
    let hdr = 1;
    let len = 0;
    if (b < 0x80) len = 0;
    else if (b < 0xb8) len = b - 0x80;
    else if (b < 0xc0 || (b >= 0xf8)) {
      const n = (b < 0xc0 ? b - 0xb7 : b - 0xf7);
      if (pos + 1 + n > end) return undefined;
      for (let i = 0; i < n; i++) len = len * 256 + d[pos + 1 + i]!;
      hdr = 1 + n;
    } else len = b - 0xc0;
    const itemEnd = b < 0x80 ? pos + 1 : pos + hdr + len;
    if (itemEnd > end) return undefined;
    if (b >= 0xc0) {
      if (depth > 64) return undefined;
      const items = parseItems(d, pos + hdr, itemEnd, depth + 1);
      if (!items) return undefined;
      out.push({ list: true, items });
    } else out.push({ list: false, enc: d.subarray(pos, itemEnd) });
    pos = itemEnd;
  }
  return out;
}

function encodeNode(n: RlpNode): Uint8Array {
  if (!n.list) return n.enc;
  const body = join(n.items.map(encodeNode));
  return join([body.length < 56 ? Uint8Array.of(0xc0 + body.length) : rlpLongHeader(body.length, true), body]);
}

/**
 * Amplification: parses the input as RLP, picks a list and repeats one of its elements many
 * times (up to `cap` bytes in all), with every enclosing length fixed up. Long lists of small
 * valid elements are how a small message makes a decoder allocate the most.
 */
function growList(d: Uint8Array, rng: Rng, cap: number): Uint8Array | undefined {
  const items = d.length <= 1 << 20 ? parseItems(d, 0, d.length, 0) : undefined;
  if (!items || items.length === 0) return undefined;
  const lists: RlpNode[][] = [items];
  const walk = (ns: RlpNode[]) => {
    for (const n of ns) if (n.list && lists.length < 1000) {
      lists.push(n.items);
      walk(n.items);
    }
  };
  walk(items);
  const candidates = lists.filter((l) => l.length > 0);
  if (candidates.length === 0) return undefined;
  const list = candidates[randInt(rng, candidates.length)]!;
  const at = randInt(rng, list.length);
  const elemSize = encodeNode(list[at]!).length;
  const room = Math.max(0, Math.floor((cap - d.length - 16) / Math.max(1, elemSize)));
  const times = Math.min(room, [2, 16, 256, 4096, 65536, Infinity][randInt(rng, 6)]!);
  if (times <= 0) return undefined;
  // In place (the list belongs to the parsed tree), and without spreading a huge array.
  const elem = list[at]!;
  const tail = list.slice(at);
  list.length = at;
  for (let i = 0; i < times; i++) list.push(elem);
  for (const x of tail) list.push(x);

  return join(items.map(encodeNode));
}

type Mutator = (d: Uint8Array, rng: Rng, other: Uint8Array, cap: number) => Uint8Array;

const MUTATORS: Mutator[] = [
  // flip one bit
  (d, rng) => {
    if (d.length === 0) return d;
    const o = d.slice();
    o[randInt(rng, o.length)]! ^= 1 << randInt(rng, 8);
    return o;
  },
  // set a byte to a random or interesting value
  (d, rng) => {
    if (d.length === 0) return d;
    const o = d.slice();
    o[randInt(rng, o.length)] = rng() < 0.5 ? randInt(rng, 256) : INTERESTING_BYTES[randInt(rng, INTERESTING_BYTES.length)]!;
    return o;
  },
  // truncate
  (d, rng) => d.slice(0, randInt(rng, d.length + 1)),
  // append random bytes
  (d, rng) => join([d, randomInput(rng, 16)]),
  // insert a byte
  (d, rng) => {
    const at = randInt(rng, d.length + 1);
    return join([d.subarray(0, at), Uint8Array.of(INTERESTING_BYTES[randInt(rng, INTERESTING_BYTES.length)]!), d.subarray(at)]);
  },
  // delete a range
  (d, rng) => {
    if (d.length === 0) return d;
    const at = randInt(rng, d.length);
    const n = 1 + randInt(rng, Math.min(16, d.length - at));
    return join([d.subarray(0, at), d.subarray(at + n)]);
  },
  // an RLP length prefix claiming far more than there is (oversized lengths)
  (d, rng) => {
    const at = randInt(rng, d.length + 1);
    const claim = [0x38, 0x100, 0xffff, 0xffffff, 0x7fffffff, 2 ** 40][randInt(rng, 6)]!;
    return join([d.subarray(0, at), rlpLongHeader(claim, rng() < 0.5), d.subarray(at)]);
  },
  // repeat a slice (long lists of the same element)
  (d, rng) => {
    if (d.length === 0) return d;
    const at = randInt(rng, d.length);
    const n = 1 + randInt(rng, Math.min(64, d.length - at));
    const times = 1 + randInt(rng, 32);
    const piece = d.subarray(at, at + n);
    return join([d.subarray(0, at + n), ...Array.from({ length: times }, () => piece), d.subarray(at + n)]);
  },
  // wrap in lists (nesting)
  (d, rng) => {
    let o = d;
    for (let i = 1 + randInt(rng, 8); i > 0; i--) o = join([o.length < 56 ? Uint8Array.of(0xc0 + o.length) : rlpLongHeader(o.length, true), o]);
    return o;
  },
  // splice with another valid input (crossover)
  (d, rng, other) => join([d.subarray(0, randInt(rng, d.length + 1)), other.subarray(randInt(rng, other.length + 1))]),
  // repeat a list element many times, lengths fixed up (amplification)
  (d, rng, _other, cap) => growList(d, rng, cap) ?? d,
];

/** Applies 1-4 random mutations; the result is cut to `maxLen` bytes. */
export function mutate(data: Uint8Array, rng: Rng, other: Uint8Array = data, maxLen = 1 << 20): Uint8Array {
  let d = data;
  for (let i = 1 + randInt(rng, 4); i > 0; i--) d = MUTATORS[randInt(rng, MUTATORS.length)]!(d, rng, other, maxLen);
  return d.length > maxLen ? d.subarray(0, maxLen) : d;
}
