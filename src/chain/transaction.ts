/**
 * Transactions as the eth protocol carries them: opaque bytes with their type and hash.
 *
 * The wire form differs from the canonical ("binary") form only for typed transactions: in a
 * list of transactions (Transactions, PooledTransactions, block bodies) an EIP-2718 typed
 * transaction is an RLP byte string wrapping `type || payload`, while a legacy transaction is
 * its RLP list inline. Contents are not decoded here; signature and field checks belong to the
 * transaction pool.
 */
import { DecodeError } from '../common/errors.js';
import { keccak256 } from '../crypto/keccak.js';
import { encBytes } from '../common/rlp-encode.js';
import { RlpReader } from '../common/rlp-reader.js';

/** Largest EIP-2718 transaction type; bytes above it start an RLP list, i.e. a legacy transaction. */
export const MAX_TX_TYPE = 0x7f;
/** Number of fields of a legacy transaction: nonce, gasPrice, gas, to, value, data, v, r, s. */
const LEGACY_TX_FIELDS = 9;
/**
 * Most transactions one Transactions message may carry: geth's `maxTransactionAnnouncements`
 * (eth/protocols/eth/protocol.go), above which it drops the peer. Senders pack about 100 KiB
 * per message (geth, Nethermind), a few hundred transactions.
 */
export const MAX_TRANSACTIONS_PER_MESSAGE = 5000;

/**
 * A transaction in its canonical encoding, with type and hash. Treat as immutable; a decoded
 * transaction's `raw` is a view into the message it came in (see {@link transactionFromRaw}
 * for a copy that keeps nothing else alive).
 */
export interface Transaction {
  /** 0 for legacy, otherwise the EIP-2718 type byte (1..0x7f). */
  readonly type: number;
  /** Canonical encoding: the RLP list for legacy, `type || payload` for typed. */
  readonly raw: Uint8Array;
  /** keccak256(raw), the transaction hash. */
  readonly hash: Uint8Array;
}

/**
 * Encodings shorter than this (no valid transaction is: a signed one takes about 85 bytes) are
 * kept as offsets, with `raw` built on first use. A view costs about 90 bytes whatever its
 * length, so a hostile message of 3-byte transactions would otherwise retain about 48 bytes
 * per input byte.
 */
const MIN_EAGER_RAW = 8;

/**
 * A decoded transaction: `raw` is a view (no copy), `hash` is computed on first use and kept.
 * Own properties are `type` and `raw`, so deep equality compares the bytes (the hash follows).
 */
class ViewTransaction implements Transaction {
  #hash: Uint8Array | undefined = undefined;

  constructor(
    readonly type: number,
    readonly raw: Uint8Array,
  ) {}

  get hash(): Uint8Array {
    return (this.#hash ??= keccak256(this.raw));
  }
}

/**
 * A transaction under {@link MIN_EAGER_RAW} bytes: an offset into the message, `raw` and
 * `hash` built on first use. Start and length share one small integer, to keep the object at
 * four fields.
 */
class TinyTransaction implements Transaction {
  // The message until `raw` is first read, then `raw` itself (and #span is -1).
  #bytes: Uint8Array;
  // start * MIN_EAGER_RAW + length
  #span: number;
  #hash: Uint8Array | undefined = undefined;

  constructor(
    readonly type: number,
    bytes: Uint8Array,
    start: number,
    end: number,
  ) {
    this.#bytes = bytes;
    this.#span = start * MIN_EAGER_RAW + (end - start);
  }

  get raw(): Uint8Array {
    const span = this.#span;
    if (span >= 0) {
      const start = Math.floor(span / MIN_EAGER_RAW);
      this.#bytes = view(this.#bytes, start, start + (span % MIN_EAGER_RAW));
      this.#span = -1;
    }
    return this.#bytes;
  }

  get hash(): Uint8Array {
    return (this.#hash ??= keccak256(this.raw));
  }
}

/** `bytes[start..end)` as a view (no `subarray` species lookup). */
function view(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start);
}

function transactionAt(type: number, bytes: Uint8Array, start: number, end: number): Transaction {
  return end - start < MIN_EAGER_RAW ? new TinyTransaction(type, bytes, start, end) : new ViewTransaction(type, view(bytes, start, end));
}

function checkTypedEnvelope(raw: Uint8Array, what: string, field: string): number {
  // A type byte alone has no payload (geth errShortTypedTx); type 0 is not an EIP-2718 envelope.
  if (raw.length < 2) throw new DecodeError(what, field, 'typed transaction too short');
  const type = raw[0]!;
  if (type === 0 || type > MAX_TX_TYPE) throw new DecodeError(what, field, `invalid transaction type 0x${type.toString(16)}`);
  return type;
}

/** Checks a legacy transaction's encoding: a list of exactly nine byte strings. */
function checkLegacy(raw: Uint8Array, what: string, path: string): void {
  const l = RlpReader.over(raw, what, path).list('', true);
  for (let i = 0; i < LEGACY_TX_FIELDS; i++) l.skipBytes(i);
  l.done();
}

/**
 * Throws the error for a malformed legacy transaction at `buffer[start..end)` as a full walk
 * of the item reports it (so a deeply nested field says so), else `err` from the quick check.
 */
function legacyError(r: RlpReader, index: number | string, start: number, end: number, err: unknown): never {
  const item = RlpReader.over(r.buffer.subarray(start, end), r.what, r.path);
  const name = typeof index === 'number' ? `[${index}]` : index;
  checkLegacy(item.raw(name), r.what, r.pathOf(name));
  throw err;
}

/**
 * Reads a transaction as element `index` (or `name`) of a wire transaction list: a typed
 * transaction is a byte string holding its envelope, a legacy one an inline RLP list of nine
 * byte strings. Nothing is copied or hashed: the transaction keeps a view into the message
 * (offsets only, below {@link MIN_EAGER_RAW} bytes), so it keeps the message alive.
 */
export function readTransaction(r: RlpReader, index: number | string): Transaction {
  if (r.nextIsList(index)) {
    const fields = r.list(index);
    const start = r.spanStart;
    const end = r.spanEnd;
    try {
      for (let i = 0; i < LEGACY_TX_FIELDS; i++) fields.skipBytes(i);
      fields.done();
    } catch (err) {
      legacyError(r, index, start, end, err);
    }
    return transactionAt(0, r.buffer, start, end);
  }
  r.skip(index);
  const start = r.spanPayload;
  const end = r.spanEnd;
  const buf = r.buffer;
  if (end - start < 2) throw new DecodeError(r.what, r.pathOf(index), 'typed transaction too short');
  const type = buf[start]!;
  if (type === 0 || type > MAX_TX_TYPE) throw new DecodeError(r.what, r.pathOf(index), `invalid transaction type 0x${type.toString(16)}`);
  return transactionAt(type, buf, start, end);
}

/**
 * Reads a wire list of transactions as the next element of `r` (at most `max` of them,
 * counted before any is read).
 */
export function readTransactions(r: RlpReader, name: string, max?: number): Transaction[] {
  return r.listItems(name, readTransaction, max);
}

/** The wire encoding of a transaction as a list element. */
export function encodeTransactionItem(tx: Transaction): Uint8Array {
  return tx.type === 0 ? tx.raw : encBytes(tx.raw);
}

/**
 * Builds a transaction from its canonical encoding (`type || payload`, or a legacy RLP list),
 * as found in a block explorer or `eth_getRawTransaction`. Throws {@link DecodeError} on bytes
 * that are neither. The bytes are copied, so the transaction keeps nothing else alive.
 */
export function transactionFromRaw(raw: Uint8Array): Transaction {
  const what = 'Transaction';
  const copy = raw.slice();
  if (copy.length > 0 && copy[0]! > MAX_TX_TYPE) {
    if (copy[0]! < 0xc0) throw new DecodeError(what, 'raw', 'expected a typed envelope or a legacy transaction list');
    checkLegacy(copy, what, 'raw');
    return new ViewTransaction(0, copy);
  }
  const type = checkTypedEnvelope(copy, what, 'raw');
  return copy.length < MIN_EAGER_RAW ? new TinyTransaction(type, copy, 0, copy.length) : new ViewTransaction(type, copy);
}
