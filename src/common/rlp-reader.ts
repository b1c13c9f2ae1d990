/**
 * The strict, schema-driven RLP reader every decoder uses (in the manner of geth's
 * `rlp.Stream`): eth messages, discv4 packets, ENRs, the RLPx handshake and Hello, and the
 * generic tree decoder of rlp.ts.
 *
 * Decoders read a message field by field from a cursor instead of first decoding it into a
 * generic tree. That keeps decoding linear in the message size and allocation-free except for
 * the values actually returned, and makes a malformed message fail at its first wrong element.
 * It matters for untrusted input: a tree decoder spends seconds and gigabytes on a 10 MiB
 * message of one-byte items, and time quadratic in the depth on nested lists. Every failure is
 * a {@link DecodeError} naming the structure and the path of the element (`headers[3].bloom`).
 *
 * Encoding rules enforced (as geth does): single bytes below 0x80 are not wrapped, lengths
 * below 56 use the short form, long-form lengths have no leading zeros, every item fits in its
 * parent, and integers have no leading zero bytes.
 *
 * The file is one class, a little over 400 lines, kept whole: every method reads the state the
 * header parser leaves, and it is the hottest code of every decoder.
 *
 * Over 400 lines on purpose: one cursor class with a reader per field shape, more than a
 * quarter of it TSDoc; splitting it would scatter the strictness rules every decoder relies on.
 */
import { DecodeError } from './errors.js';

/**
 * Deepest list nesting accepted by default inside an item read with {@link RlpReader.raw}.
 * Nothing in the eth protocol nests that deep; the bound keeps the walk's memory small.
 */
export const MAX_RAW_DEPTH = 64;

/**
 * The value of every empty list decoded by {@link RlpReader.items}: one shared, frozen array.
 * A hostile message can hold millions of empty lists (one byte each), and an array apiece
 * would cost 40 bytes per byte of input. Decoded values are read-only; pushing to it throws.
 */
export const EMPTY_LIST: never[] = Object.freeze([]) as unknown as never[];

/** Cursor over the elements of one RLP list (or over a single top-level item). */
export class RlpReader {
  private pos: number;
  // Header of the item most recently parsed by `header()`.
  private itemStart = 0;
  private payload = 0;
  private itemEnd = 0;
  private isList = false;
  // A reader made by `list` names its path by its parent and its name there, and builds the
  // string only when an error (or a caller) asks: most lists never need it.
  private parent: RlpReader | undefined = undefined;
  private nameInParent: string | number = '';
  // A root list made by `root` names its elements from the top (`signature`, not `body.signature`).
  private namesFromTop = false;

  private constructor(
    private readonly data: Uint8Array,
    start: number,
    private readonly end: number,
    /** Structure being decoded, for errors (e.g. "BlockHeaders"). */
    readonly what: string,
    private pathText: string,
  ) {
    this.pos = start;
  }

  /** Path of this list inside the message, for errors (e.g. "headers[3]"). */
  get path(): string {
    if (this.parent !== undefined) {
      this.pathText = this.parent.pathOf(this.nameInParent);
      this.parent = undefined;
    }
    return this.pathText;
  }

  /**
   * A reader over the elements of the list that makes up all of `data`: checks the message
   * size limit (the protocol's, e.g. eth's 10 MiB) first, then that `data` is exactly one list
   * with no trailing bytes.
   */
  static message(data: Uint8Array, what: string, maxSize: number): RlpReader {
    if (data.length > maxSize) throw new DecodeError(what, 'size', `message of ${data.length} bytes exceeds ${maxSize}`);
    if (data.length === 0) throw new DecodeError(what, 'rlp', 'empty input');
    return RlpReader.over(data, what).list('message', true);
  }

  /**
   * A reader over the elements of the list at the start of `data`, for small structures read
   * whole (a discv4 body, a Hello, a handshake body, an ENR). Everything nested in the list is
   * checked to be well-formed first, also the elements a decoder skips (EIP-8 extras); the walk
   * is iterative and bounded by the input's size, so it sets no depth limit. Errors about the
   * list itself name it `name`; its elements are named from the top (`signature`, not
   * `body.signature`). Bytes after the list are refused unless `trailing` (EIP-8 padding).
   */
  static root(data: Uint8Array, what: string, opts: { name?: string; trailing?: boolean } = {}): RlpReader {
    const name = opts.name ?? 'message';
    const top = RlpReader.over(data, what);
    top.header(name);
    if (!top.isList) top.fail(name, 'expected a list');
    if (!opts.trailing && top.itemEnd !== top.end) top.fail(name, 'trailing bytes after the item');
    top.walk(name, Infinity);
    top.pos = 0;
    const r = top.list(name);
    r.namesFromTop = true;
    return r;
  }

  /** A reader positioned before the single item that must make up all of `data`. */
  static over(data: Uint8Array, what: string, path = ''): RlpReader {
    return new RlpReader(data, 0, data.length, what, path);
  }

  /** The error path of element `name` (or index `name`) of this list (e.g. `headers[3].bloom`). */
  pathOf(name: string | number): string {
    if (typeof name === 'number') name = `[${name}]`;
    if (name === '') return this.path === '' ? 'message' : this.path;
    if (this.path === '' || this.path === 'message' || this.namesFromTop) return name;
    return name.startsWith('[') ? `${this.path}${name}` : `${this.path}.${name}`;
  }

  /** `name` may be an element index, formatted as `[i]` only when an error needs it. */
  private fail(name: string | number, detail: string): never {
    throw new DecodeError(this.what, this.pathOf(name), detail);
  }

  /** Parses the header of the next item; throws if there is none or it is malformed. */
  private header(name: string | number): void {
    const d = this.data;
    const pos = this.pos;
    if (pos >= this.end) this.fail(name, 'missing element');
    const b = d[pos]!;
    this.itemStart = pos;
    if (b < 0x80) {
      this.isList = false;
      this.payload = pos;
      this.itemEnd = pos + 1;
      return;
    }
    this.isList = b >= 0xc0;
    const short = this.isList ? b - 0xc0 : b - 0x80;
    let len: number;
    if (short < 56) {
      len = short;
      this.payload = pos + 1;
      if (!this.isList && len === 1 && pos + 1 < this.end && d[pos + 1]! < 0x80) {
        this.fail(name, 'non-canonical RLP: single byte below 0x80 wrapped in a string');
      }
    } else {
      const n = short - 55;
      if (pos + 1 + n > this.end) this.fail(name, 'truncated RLP length');
      if (d[pos + 1] === 0) this.fail(name, 'non-canonical RLP: length has leading zeros');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + d[pos + 1 + i]!;
      if (len < 56) this.fail(name, 'non-canonical RLP: long form for a short length');
      this.payload = pos + 1 + n;
    }
    this.itemEnd = this.payload + len;
    if (this.itemEnd > this.end) this.fail(name, 'RLP item longer than its container');
  }

  /** Bytes left in this list, for cheap plausibility bounds before reading many elements. */
  remainingBytes(): number {
    return this.end - this.pos;
  }

  /** True while elements remain. */
  hasMore(): boolean {
    return this.pos < this.end;
  }

  /** True if the next element is a list. Throws if there is none. */
  nextIsList(name: string | number): boolean {
    this.header(name);
    return this.isList;
  }

  /**
   * Asserts at least `n` elements remain, counted as {@link count} does: a structure that
   * ignores extra elements (EIP-8) still needs its known ones.
   */
  atLeast(n: number): void {
    const got = this.count();
    if (got < n) this.fail('', `expected at least ${n} elements, got ${got}`);
  }

  /** Asserts no elements remain (messages and structures have a fixed arity). */
  done(): void {
    if (this.pos < this.end) this.fail('', 'unexpected extra elements');
  }

  /**
   * The complete encoding of the next element, which must be a list (a view into the message).
   * Only its header is checked here: the caller reads (and so validates) its elements, as
   * {@link readHeader} does from its own copy of the bytes. Cheaper than {@link raw}, which
   * walks every nested item.
   */
  listEncoding(name: string): Uint8Array {
    this.header(name);
    if (!this.isList) this.fail(name, 'expected a list');
    this.pos = this.itemEnd;
    return this.data.subarray(this.itemStart, this.itemEnd);
  }

  /** The next element (named, or by index) as a reader over its list elements. */
  list(name: string | number, whole = false): RlpReader {
    this.header(name);
    if (!this.isList) this.fail(name, 'expected a list');
    if (whole && this.itemEnd !== this.end) this.fail(name, 'trailing bytes after the item');
    this.pos = this.itemEnd;
    const child = new RlpReader(this.data, this.payload, this.itemEnd, this.what, '');
    child.parent = this;
    child.nameInParent = name;
    return child;
  }

  /** The next element as a byte string (a copy), optionally of exactly `length` bytes. */
  bytes(name: string | number, length?: number): Uint8Array {
    this.stringHeader(name, length);
    // One copy straight out of the message (no intermediate view): headers read a dozen of these.
    return this.data.slice(this.payload, this.itemEnd);
  }

  /**
   * The next element as a byte string sharing the reader's buffer (no copy, and no `subarray`,
   * whose species lookup costs more than the view). For structures that own the buffer they
   * are read from, as a header owns its `raw` bytes.
   */
  bytesShared(name: string, length?: number): Uint8Array {
    this.stringHeader(name, length);
    const d = this.data;
    return new Uint8Array(d.buffer, d.byteOffset + this.payload, this.itemEnd - this.payload);
  }

  /** Parses the next element's header, which must be a byte string (of exactly `length` bytes if given), and moves past it. */
  private stringHeader(name: string | number, length?: number): void {
    this.header(name);
    if (this.isList) this.fail(name, 'expected a byte string');
    if (length !== undefined && this.itemEnd - this.payload !== length) {
      this.fail(name, `expected ${length} bytes, got ${this.itemEnd - this.payload}`);
    }
    this.pos = this.itemEnd;
  }

  /** The next element as a byte string, as a view into the message (no copy). */
  bytesView(name: string | number, length?: number): Uint8Array {
    this.stringHeader(name, length);
    return this.data.subarray(this.payload, this.itemEnd);
  }

  /** A 32-byte hash. */
  hash(name: string): Uint8Array {
    return this.bytes(name, 32);
  }

  /** A canonical unsigned integer of at most `maxBytes` bytes. */
  uint(name: string | number, maxBytes: number): bigint {
    this.skipUint(name, maxBytes);
    // Read in place: no view is allocated for the (many) integers of headers and receipts.
    const d = this.data;
    const start = this.payload;
    const end = this.itemEnd;
    const len = end - start;
    if (len <= 6) {
      let n = 0;
      for (let i = start; i < end; i++) n = n * 256 + d[i]!;
      return BigInt(n);
    }
    // Up to 6 bytes per step as a Number, so a 32-byte integer takes 6 BigInt steps, not 32.
    let v = 0n;
    for (let i = start; i < end; ) {
      const take = Math.min(6, end - i);
      let n = 0;
      for (let k = 0; k < take; k++) n = n * 256 + d[i + k]!;
      v = (v << BigInt(8 * take)) | BigInt(n);
      i += take;
    }
    return v;
  }

  /** A canonical unsigned integer below 2^64. */
  uint64(name: string): bigint {
    return this.uint(name, 8);
  }

  /** A canonical unsigned integer below 2^32, as a number. */
  uint32(name: string): number {
    return Number(this.uint(name, 4));
  }

  /** A boolean: the integer 0 (empty string) or 1, nothing else (geth's rules). */
  bool(name: string): boolean {
    const b = this.bytesView(name);
    if (b.length === 0) return false;
    if (b.length === 1 && b[0] === 1) return true;
    return this.fail(name, 'expected boolean 0 or 1');
  }

  /**
   * The complete encoding of the next element (a view), after checking that everything
   * nested in it is well-formed RLP and nests at most `maxDepth` lists deep. Used for items
   * kept verbatim (unknown header fields, legacy transactions, EIP-8 extras, ENR values). The
   * check walks the item iteratively, so nesting depth cannot exhaust the stack.
   */
  raw(name: string | number, maxDepth = MAX_RAW_DEPTH): Uint8Array {
    this.header(name);
    const start = this.itemStart;
    const end = this.itemEnd;
    this.walk(name, maxDepth);
    this.pos = end;
    return this.data.subarray(start, end);
  }

  /** Checks everything nested in the item whose header was just parsed (see {@link raw}). */
  private walk(name: string | number, maxDepth: number): void {
    if (!this.isList) return;
    // Walk the nested lists with an explicit stack of reader positions.
    const stack: RlpReader[] = [new RlpReader(this.data, this.payload, this.itemEnd, this.what, this.pathOf(name))];
    while (stack.length > 0) {
      const r = stack[stack.length - 1]!;
      if (!r.hasMore()) {
        stack.pop();
        continue;
      }
      r.header('');
      r.pos = r.itemEnd;
      if (r.isList) {
        if (stack.length >= maxDepth) this.fail(name, `lists nested deeper than ${maxDepth}`);
        stack.push(new RlpReader(r.data, r.payload, r.itemEnd, r.what, r.path));
      }
    }
  }

  /**
   * Number of elements left, counted by parsing their headers (each checked as when read)
   * without moving, reading or allocating. Lets a decoder refuse an oversized list, and size
   * its array exactly, before building any element.
   */
  count(): number {
    const pos = this.pos;
    let n = 0;
    try {
      while (this.pos < this.end) {
        this.header(n);
        this.pos = this.itemEnd;
        n++;
      }
    } finally {
      this.pos = pos;
    }
    return n;
  }

  /**
   * Reads every remaining element with `read` into an array of exactly their number, counted
   * first: a list longer than `max` is refused before any element is built. Elements are named
   * by index. An empty list gives the shared frozen {@link EMPTY_LIST}.
   */
  items<T>(read: (r: RlpReader, index: number) => T, max = Infinity): T[] {
    const n = this.count();
    if (n === 0) return EMPTY_LIST;
    if (n > max) this.fail('', `${n} elements exceed the limit of ${max}`);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = read(this, i);
    return out;
  }

  /**
   * The next element, a list, read with {@link items}: `list(name).items(read, max)`, except
   * that an empty list costs no reader (a hostile message can hold millions of them).
   */
  listItems<T>(name: string | number, read: (r: RlpReader, index: number) => T, max = Infinity): T[] {
    this.header(name);
    if (!this.isList) this.fail(name, 'expected a list');
    if (this.payload === this.itemEnd) {
      this.pos = this.itemEnd;
      return EMPTY_LIST;
    }
    this.pos = this.itemStart;
    return this.list(name).items(read, max);
  }

  /** The buffer this reader walks: the whole message, shared by every reader over it. */
  get buffer(): Uint8Array {
    return this.data;
  }

  /**
   * Moves past the next element without reading it (allocation-free) and says whether it is a
   * list. Its place in {@link buffer} is then {@link spanStart} (header), {@link spanPayload}
   * and {@link spanEnd}, for decoders that keep offsets instead of copies.
   */
  skip(name: string | number): boolean {
    this.header(name);
    this.pos = this.itemEnd;
    return this.isList;
  }

  /** Moves past the next element, which must be a byte string (of exactly `length` bytes if given), allocation-free. */
  skipBytes(name: string | number, length?: number): void {
    this.stringHeader(name, length);
  }

  /** Moves past the next element after the checks of {@link uint} (canonical, at most `maxBytes`), without building the value. */
  skipUint(name: string | number, maxBytes: number): void {
    this.stringHeader(name);
    const len = this.itemEnd - this.payload;
    if (len > maxBytes) this.fail(name, `integer longer than ${maxBytes} bytes`);
    if (len > 0 && this.data[this.payload] === 0) this.fail(name, 'integer has leading zero bytes');
  }

  /** Offset in {@link buffer} of the header of the element last passed by {@link skip} or {@link skipBytes}. */
  get spanStart(): number {
    return this.itemStart;
  }

  /** Offset in {@link buffer} of the payload of the element last passed by {@link skip} or {@link skipBytes}. */
  get spanPayload(): number {
    return this.payload;
  }

  /** Offset in {@link buffer} just past the element last passed by {@link skip} or {@link skipBytes}. */
  get spanEnd(): number {
    return this.itemEnd;
  }

  /** Reads every remaining element with `read`, naming them `[0]`, `[1]`, ... */
  map<T>(read: (r: RlpReader, name: string) => T): T[] {
    const out: T[] = [];
    while (this.hasMore()) out.push(read(this, `[${out.length}]`));
    return out;
  }
}
