/**
 * Ethereum Node Records (EIP-778) with the "v4" identity scheme.
 *
 * A record is `rlp([signature, seq, k1, v1, k2, v2, ...])` with keys sorted and unique. The
 * v4 signature is the 64-byte r || s over keccak256(rlp([seq, k1, v1, ...])), checked against
 * the compressed secp256k1 key stored under "secp256k1". Records are immutable: an {@link Enr}
 * is only made by decoding (which verifies the signature) or by {@link EnrBuilder.sign}.
 *
 * Keys are byte strings on the wire; here they are "binary" (latin1) JS strings, one char per
 * byte, so every key round-trips exactly and string order equals the byte order geth sorts by.
 * All keys in use are ASCII, which reads naturally.
 */
import { DecodeError } from '../common/errors.js';
import { rlpEncode, type RlpInput } from '../common/rlp.js';
import { encBytes, encList, encUint } from '../common/rlp-encode.js';
import { RlpReader } from '../common/rlp-reader.js';
import { keccak256 } from '../crypto/keccak.js';
import { compress, decompress, publicKeyOf, sign, verify } from '../crypto/secp256k1.js';

/** Maximum size of an encoded record in bytes (EIP-778). */
export const ENR_MAX_SIZE = 300;
/** Text form prefix. */
export const ENR_TEXT_PREFIX = 'enr:';
/** The only identity scheme defined: secp256k1 keys, keccak256 digests. */
export const V4_ID_SCHEME = 'v4';
/** Length of a v4 signature: r || s without the recovery byte. */
const V4_SIGNATURE_SIZE = 64;
/** Length of the compressed key stored under "secp256k1". */
const COMPRESSED_KEY_SIZE = 33;
/** seq is a uint64 (geth `Record.seq`). */
const MAX_SEQ = (1n << 64n) - 1n;
/** Longest possible text form: prefix + unpadded base64 of {@link ENR_MAX_SIZE} bytes. */
const MAX_TEXT_LENGTH = ENR_TEXT_PREFIX.length + Math.ceil((ENR_MAX_SIZE * 4) / 3);
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Raised for a record that does not decode, verify or fit; `field` names the culprit. */
export class EnrError extends DecodeError {
  constructor(field: string, detail: string) {
    super('ENR', field, detail);
    this.name = 'EnrError';
  }
}

/** An EIP-2124 fork identifier as carried in the `eth` entry. */
export interface ForkId {
  /** CRC32 checksum of the genesis hash and passed forks (4 bytes). */
  hash: Uint8Array;
  /** Block number or timestamp of the next fork, 0 if none is known. */
  next: bigint;
}

/**
 * The entries of a record: key -> the value's RLP encoding, kept verbatim (unknown keys too)
 * and read when asked for.
 */
type Entries = ReadonlyMap<string, Uint8Array>;

/**
 * Reads the value under `key` with `read`; a value that does not read as asked is an
 * {@link EnrError} naming the key.
 */
function readValue<T>(key: string, raw: Uint8Array, read: (r: RlpReader) => T): T {
  try {
    return read(RlpReader.over(raw, 'ENR', key));
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    throw new EnrError(key, err.field === key ? err.detail : `${err.field}: ${err.detail}`);
  }
}

/** The value under `key` as a byte string (a view), or undefined if it is something else. */
function bytesValue(entries: Entries, key: string): Uint8Array | undefined {
  const raw = entries.get(key);
  if (raw === undefined) return undefined;
  const r = RlpReader.over(raw, 'ENR', key);
  return r.nextIsList('') ? undefined : r.bytesView('');
}

const keyToBytes = (key: string): Uint8Array => new Uint8Array(Buffer.from(key, 'latin1'));
const bytesToKey = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/**
 * Verifies a 64-byte r || s signature over a 32-byte digest with a compressed (33-byte) or
 * uncompressed (65-byte) public key. High-S signatures are rejected, as geth's
 * crypto.VerifySignature does. Never throws.
 */
export function verifySignature(digest: Uint8Array, sig64: Uint8Array, publicKey: Uint8Array): boolean {
  if (sig64.length !== V4_SIGNATURE_SIZE) return false;
  return verify(digest, sig64, publicKey);
}

/** The encoded elements [seq, k, v, ...] over entries already in key order: what the v4 signature covers. */
function contentItems(seq: bigint, entries: Entries): Uint8Array[] {
  const list: Uint8Array[] = [encUint(seq)];
  for (const [k, raw] of entries) list.push(encBytes(keyToBytes(k)), raw);
  return list;
}

let construct: (seq: bigint, signature: Uint8Array, entries: Entries, raw: Uint8Array) => Enr;

/**
 * Checks the v4 scheme, signature and size of a record whose entries are already in key order,
 * and creates it. The encoding is rebuilt from the parts; for a decoded record it equals the
 * input because the RLP decoder only accepts canonical encodings.
 */
function verifiedRecord(seq: bigint, signature: Uint8Array, entries: Entries): Enr {
  const content = contentItems(seq, entries);
  const raw = encList([encBytes(signature), ...content]);
  if (raw.length > ENR_MAX_SIZE) throw new EnrError('size', `record is ${raw.length} bytes, limit ${ENR_MAX_SIZE}`);
  if (!entries.has('id')) throw new EnrError('id', 'missing identity scheme');
  const id = bytesValue(entries, 'id');
  if (id === undefined || bytesToKey(id) !== V4_ID_SCHEME) throw new EnrError('id', 'unsupported identity scheme');
  if (!entries.has('secp256k1')) throw new EnrError('secp256k1', 'missing public key');
  const key = bytesValue(entries, 'secp256k1');
  if (key === undefined || key.length !== COMPRESSED_KEY_SIZE) {
    throw new EnrError('secp256k1', `expected a ${COMPRESSED_KEY_SIZE}-byte compressed key`);
  }
  if (signature.length !== V4_SIGNATURE_SIZE) {
    throw new EnrError('signature', `expected ${V4_SIGNATURE_SIZE} bytes, got ${signature.length}`);
  }
  if (!verifySignature(keccak256(encList(content)), signature, key)) {
    throw new EnrError('signature', 'invalid signature');
  }
  return construct(seq, signature, entries, raw);
}

/**
 * A signed, verified node record. Instances are frozen; treat the byte arrays they return as
 * read-only. Typed getters return `undefined` when the key is absent and throw {@link EnrError}
 * when the value is present but malformed (the rest of the record stays usable).
 */
export class Enr {
  /** The 64-byte uncompressed public key (x || y) of the v4 identity. */
  readonly publicKey: Uint8Array;
  /** keccak256 of {@link publicKey}: the Kademlia node ID. */
  readonly nodeId: Uint8Array;

  private constructor(
    /** Sequence number; a newer record of the same node has a higher one. */
    readonly seq: bigint,
    /** The 64-byte v4 signature (r || s). */
    readonly signature: Uint8Array,
    private readonly entries: Entries,
    /** The encoded record, exactly as received or signed. */
    readonly raw: Uint8Array,
  ) {
    // Only reached after verification, which has already parsed this key as a curve point.
    this.publicKey = decompress(this.secp256k1()!);
    this.nodeId = keccak256(this.publicKey);
    Object.freeze(this);
  }

  static {
    // Lets this module's decoders and the builder construct records while keeping the
    // constructor out of the public API: every Enr is verified first.
    construct = (seq, signature, entries, raw) => new Enr(seq, signature, entries, raw);
  }

  /** All keys, sorted. */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** True if the record has an entry for `key`. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The RLP encoding of the value under `key` (decode it with `rlpDecode`), or undefined. */
  get(key: string): Uint8Array | undefined {
    return this.entries.get(key);
  }

  /** The identity scheme name ("v4" for every record this module accepts). */
  id(): string | undefined {
    const b = this.bytes('id');
    return b === undefined ? undefined : bytesToKey(b);
  }

  /** The 33-byte compressed secp256k1 public key. */
  secp256k1(): Uint8Array | undefined {
    return this.bytes('secp256k1', COMPRESSED_KEY_SIZE);
  }

  /** IPv4 address (4 bytes). */
  ip(): Uint8Array | undefined {
    return this.bytes('ip', 4);
  }

  /** IPv6 address (16 bytes). */
  ip6(): Uint8Array | undefined {
    return this.bytes('ip6', 16);
  }

  /** TCP (RLPx) port for the IPv4 address. */
  tcp(): number | undefined {
    return this.port('tcp');
  }

  /** TCP port for the IPv6 address (EIP-778: defaults to `tcp` when absent; not applied here). */
  tcp6(): number | undefined {
    return this.port('tcp6');
  }

  /** UDP (discovery) port for the IPv4 address. */
  udp(): number | undefined {
    return this.port('udp');
  }

  /** UDP port for the IPv6 address (EIP-778: defaults to `udp` when absent; not applied here). */
  udp6(): number | undefined {
    return this.port('udp6');
  }

  /**
   * The fork ID of the `eth` entry, `[[forkHash, forkNext], ...]`. Like geth's enrEntry
   * (`rlp:"tail"`), elements after the first are ignored, for forward compatibility.
   */
  eth(): ForkId | undefined {
    const raw = this.entries.get('eth');
    if (raw === undefined) return undefined;
    return readValue('eth', raw, (r) => {
      const entry = r.list('');
      entry.atLeast(1);
      const fork = entry.list(0);
      fork.atLeast(2);
      return { hash: fork.bytes('hash', 4), next: fork.uint('next', 8) };
    });
  }

  private bytes(key: string, length?: number): Uint8Array | undefined {
    const raw = this.entries.get(key);
    return raw === undefined ? undefined : readValue(key, raw, (r) => r.bytes('', length));
  }

  private port(key: string): number | undefined {
    const raw = this.entries.get(key);
    return raw === undefined ? undefined : readValue(key, raw, (r) => Number(r.uint('', 2)));
  }
}

/** The encoded record (≤ {@link ENR_MAX_SIZE} bytes). */
export function encodeEnr(enr: Enr): Uint8Array {
  return enr.raw;
}

/**
 * Decodes and verifies an encoded record (alone, or the raw element of a container such as
 * the discv4 ENRResponse). Throws {@link EnrError} or {@link DecodeError}.
 */
export function decodeEnr(data: Uint8Array): Enr {
  // Check the size first so oversized input is never parsed.
  if (data.length > ENR_MAX_SIZE) throw new EnrError('size', `record is ${data.length} bytes, limit ${ENR_MAX_SIZE}`);
  const list = RlpReader.root(data, 'ENR', { name: 'list' });
  const n = list.count();
  list.atLeast(2);
  const signature = list.bytes('signature');
  const seq = list.uint('seq', 8);
  if ((n - 2) % 2 !== 0) throw new EnrError('pairs', 'incomplete key/value pair');
  const entries = new Map<string, Uint8Array>();
  let prev: string | undefined;
  while (list.hasMore()) {
    const key = bytesToKey(list.bytesView('key'));
    // geth rejects both; a duplicate could otherwise shadow a signed value.
    if (prev !== undefined && key === prev) throw new EnrError('key', `duplicate key ${JSON.stringify(key)}`);
    if (prev !== undefined && key < prev) throw new EnrError('key', `keys not sorted at ${JSON.stringify(key)}`);
    // A copy: the record outlives the buffer it came in. Nesting is bounded by the size cap.
    entries.set(key, list.raw(key, Number.POSITIVE_INFINITY).slice());
    prev = key;
  }
  return verifiedRecord(seq, signature, entries);
}

/** The text form: `enr:` + unpadded base64url of the encoded record. */
export function enrToText(enr: Enr): string {
  return ENR_TEXT_PREFIX + Buffer.from(enr.raw).toString('base64url');
}

/** Parses and verifies the text form. Throws {@link EnrError} or {@link DecodeError}. */
export function enrFromText(text: string): Enr {
  if (!text.startsWith(ENR_TEXT_PREFIX)) throw new EnrError('text', `missing "${ENR_TEXT_PREFIX}" prefix`);
  const b64 = text.slice(ENR_TEXT_PREFIX.length);
  if (text.length > MAX_TEXT_LENGTH) throw new EnrError('size', 'text form too long');
  // Buffer's decoder silently skips bad characters and accepts padding; geth (RawURLEncoding) does not.
  if (!BASE64URL.test(b64) || b64.length % 4 === 1) throw new EnrError('text', 'invalid unpadded base64url');
  return decodeEnr(new Uint8Array(Buffer.from(b64, 'base64url')));
}

/**
 * Builds a new record, optionally starting from an existing one, and signs it with the v4
 * scheme. Setting an entry to `undefined` removes it.
 */
export class EnrBuilder {
  private readonly entries = new Map<string, Uint8Array>();
  private readonly baseSeq: bigint | undefined;

  /** Starts empty, or from `base`'s entries (its seq + 1 becomes the default for sign). */
  constructor(base?: Enr) {
    this.baseSeq = base?.seq;
    if (base) for (const k of base.keys()) this.setRaw(k, base.get(k)!);
  }

  /** Sets `key` to the RLP encoding of `value`. */
  set(key: string, value: RlpInput | undefined): this {
    if (value === undefined) return this.delete(key);
    return this.put(key, rlpEncode(value));
  }

  /** Sets `key` to an already RLP-encoded value (a single item, no trailing bytes; DecodeError otherwise). */
  setRaw(key: string, raw: Uint8Array): this {
    const r = RlpReader.over(raw, 'ENR', key);
    r.raw('', Number.POSITIVE_INFINITY);
    r.done();
    return this.put(key, raw);
  }

  /** Removes `key`. */
  delete(key: string): this {
    this.entries.delete(key);
    return this;
  }

  /** Sets the IPv4 address (4 bytes). */
  ip(ip: Uint8Array | undefined): this {
    if (ip !== undefined && ip.length !== 4) throw new EnrError('ip', 'expected 4 bytes');
    return this.set('ip', ip);
  }

  /** Sets the IPv6 address (16 bytes). */
  ip6(ip: Uint8Array | undefined): this {
    if (ip !== undefined && ip.length !== 16) throw new EnrError('ip6', 'expected 16 bytes');
    return this.set('ip6', ip);
  }

  /** Sets the TCP port. */
  tcp(port: number | undefined): this {
    return this.set('tcp', checkPort('tcp', port));
  }

  /** Sets the IPv6 TCP port. */
  tcp6(port: number | undefined): this {
    return this.set('tcp6', checkPort('tcp6', port));
  }

  /** Sets the UDP port. */
  udp(port: number | undefined): this {
    return this.set('udp', checkPort('udp', port));
  }

  /** Sets the IPv6 UDP port. */
  udp6(port: number | undefined): this {
    return this.set('udp6', checkPort('udp6', port));
  }

  /** Sets the `eth` entry to `[[forkHash, forkNext]]`. */
  eth(forkId: ForkId | undefined): this {
    if (forkId === undefined) return this.delete('eth');
    if (forkId.hash.length !== 4) throw new EnrError('eth', 'fork hash must be 4 bytes');
    if (forkId.next < 0n || forkId.next > MAX_SEQ) throw new EnrError('eth', 'fork next out of uint64 range');
    return this.set('eth', [[forkId.hash, forkId.next]]);
  }

  /**
   * Sets `id` = "v4" and `secp256k1` = the key's compressed public key, then signs.
   * `seq` defaults to the base record's seq + 1, or 1 for a new record.
   * Throws {@link EnrError} if the record would exceed {@link ENR_MAX_SIZE} bytes.
   */
  sign(privateKey: Uint8Array, seq: bigint = (this.baseSeq ?? 0n) + 1n): Enr {
    if (seq < 0n || seq > MAX_SEQ) throw new EnrError('seq', 'out of uint64 range');
    this.set('id', keyToBytes(V4_ID_SCHEME));
    this.set('secp256k1', compress(publicKeyOf(privateKey)));
    const sorted = new Map([...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const digest = keccak256(encList(contentItems(seq, sorted)));
    // v4 signatures drop the recovery byte: the key is in the record.
    const signature = sign(digest, privateKey).slice(0, V4_SIGNATURE_SIZE);
    return verifiedRecord(seq, signature, sorted);
  }

  private put(key: string, entry: Uint8Array): this {
    // Each char must be one byte of the wire key (see the module comment on latin1 keys).
    if (!/^[\x00-\xff]*$/.test(key)) throw new EnrError('key', 'keys are byte strings: chars must be <= 0xff');
    this.entries.set(key, entry);
    return this;
  }
}

function checkPort(field: string, port: number | undefined): number | undefined {
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 0xffff)) {
    throw new EnrError(field, `port ${port} out of range`);
  }
  return port;
}
