/**
 * Block headers: every field through Prague, decoded from and kept with their original RLP.
 *
 * The hash is keccak256 of the exact bytes received, so a header is never re-encoded to be
 * hashed; fields added by forks this code does not know yet are kept as raw RLP items, which
 * keeps both re-encoding and hashing correct for future headers.
 */
import { keccak256 } from '../crypto/keccak.js';
import { checkLength, checkUint } from './fields.js';
import { encBytes, encList, encUint } from '../common/rlp-encode.js';
import { RlpReader } from '../common/rlp-reader.js';
import type { HeaderRecord } from './header-record.js';

/** Header fields in wire order. Optional fields appear from the fork that added them on. */
export interface HeaderFields {
  parentHash: Uint8Array;
  /** Keccak of the RLP of the uncle (ommer) list. */
  uncleHash: Uint8Array;
  /** Fee recipient, 20 bytes. */
  coinbase: Uint8Array;
  stateRoot: Uint8Array;
  txRoot: Uint8Array;
  receiptRoot: Uint8Array;
  /** Logs bloom, 256 bytes. */
  bloom: Uint8Array;
  difficulty: bigint;
  number: bigint;
  gasLimit: bigint;
  gasUsed: bigint;
  time: bigint;
  extra: Uint8Array;
  /** Mix digest; since the merge, the beacon chain's prevRandao. */
  mixDigest: Uint8Array;
  /** 8-byte block nonce. */
  nonce: Uint8Array;
  /** London (EIP-1559). */
  baseFee?: bigint;
  /** Shanghai (EIP-4895). */
  withdrawalsRoot?: Uint8Array;
  /** Cancun (EIP-4844). */
  blobGasUsed?: bigint;
  /** Cancun (EIP-4844). */
  excessBlobGas?: bigint;
  /** Cancun (EIP-4788). */
  parentBeaconRoot?: Uint8Array;
  /** Prague (EIP-7685). */
  requestsHash?: Uint8Array;
  /**
   * Encoded RLP items after requestsHash, from forks newer than Prague, kept verbatim so the
   * header re-encodes to the same bytes. Absent when there are none.
   */
  unknownFields?: Uint8Array[];
}

/**
 * A block header with its encoding and hash. Treat as immutable: `raw` and `hash` are not
 * recomputed, and in a decoded header the byte fields are views into `raw`.
 */
export interface BlockHeader extends HeaderFields, HeaderRecord {
  /** The header's RLP encoding (as received, or as built by {@link makeHeader}). */
  readonly raw: Uint8Array;
  /** keccak256(raw), the block hash. */
  readonly hash: Uint8Array;
}

const WHAT = 'BlockHeader';
/** Optional fields in wire order; each may only be present if all before it are. */
const OPTIONAL_FIELDS = ['baseFee', 'withdrawalsRoot', 'blobGasUsed', 'excessBlobGas', 'parentBeaconRoot', 'requestsHash'] as const;

/** Encodes header fields to RLP (no hashing). Throws RangeError on wrong sizes or a gap in optional fields. */
export function encodeHeaderFields(h: HeaderFields): Uint8Array {
  const items: Uint8Array[] = [
    encBytes(checkLength(h.parentHash, 32, 'parentHash')),
    encBytes(checkLength(h.uncleHash, 32, 'uncleHash')),
    encBytes(checkLength(h.coinbase, 20, 'coinbase')),
    encBytes(checkLength(h.stateRoot, 32, 'stateRoot')),
    encBytes(checkLength(h.txRoot, 32, 'txRoot')),
    encBytes(checkLength(h.receiptRoot, 32, 'receiptRoot')),
    encBytes(checkLength(h.bloom, 256, 'bloom')),
    encUint(checkUint(h.difficulty, 256, 'difficulty')),
    encUint(checkUint(h.number, 64, 'number')),
    encUint(checkUint(h.gasLimit, 64, 'gasLimit')),
    encUint(checkUint(h.gasUsed, 64, 'gasUsed')),
    encUint(checkUint(h.time, 64, 'time')),
    encBytes(h.extra),
    encBytes(checkLength(h.mixDigest, 32, 'mixDigest')),
    encBytes(checkLength(h.nonce, 8, 'nonce')),
  ];
  const optional: (Uint8Array | undefined)[] = [
    h.baseFee === undefined ? undefined : encUint(checkUint(h.baseFee, 256, 'baseFee')),
    h.withdrawalsRoot === undefined ? undefined : encBytes(checkLength(h.withdrawalsRoot, 32, 'withdrawalsRoot')),
    h.blobGasUsed === undefined ? undefined : encUint(checkUint(h.blobGasUsed, 64, 'blobGasUsed')),
    h.excessBlobGas === undefined ? undefined : encUint(checkUint(h.excessBlobGas, 64, 'excessBlobGas')),
    h.parentBeaconRoot === undefined ? undefined : encBytes(checkLength(h.parentBeaconRoot, 32, 'parentBeaconRoot')),
    h.requestsHash === undefined ? undefined : encBytes(checkLength(h.requestsHash, 32, 'requestsHash')),
  ];
  const unknown = h.unknownFields ?? [];
  // The wire format is positional: a later field cannot be present without the earlier ones.
  let last = -1;
  optional.forEach((v, i) => {
    if (v !== undefined) last = i;
  });
  if (unknown.length > 0) last = OPTIONAL_FIELDS.length - 1;
  for (let i = 0; i <= last; i++) {
    const v = optional[i];
    if (v === undefined) throw new RangeError(`header field ${OPTIONAL_FIELDS[i]} missing before a later field`);
    items.push(v);
  }
  for (const u of unknown) {
    // Each unknown field must be one complete RLP item, or the header would not re-decode.
    const r = RlpReader.over(u, WHAT, 'unknownFields');
    r.raw('unknownFields');
    r.done();
    items.push(u);
  }
  return encList(items);
}

/** Builds a header from its fields: encodes it once and hashes the encoding. */
export function makeHeader(fields: HeaderFields): BlockHeader {
  const raw = encodeHeaderFields(fields);
  const header: BlockHeader = { ...fields, raw, hash: keccak256(raw) };
  if (header.unknownFields !== undefined && header.unknownFields.length === 0) delete header.unknownFields;
  return header;
}

/**
 * Reads a header as the next element of `r`, keeping its encoding (copied out of the
 * message) and hashing it.
 */
export function readHeader(r: RlpReader, name: string): BlockHeader {
  // The encoding is copied once, kept and hashed; the byte fields are views into that copy
  // (one allocation per header instead of one per field), read and validated in one pass.
  const raw = r.listEncoding(name).slice();
  const h = RlpReader.over(raw, r.what, r.pathOf(name)).list('');
  const parentHash = h.bytesShared('parentHash', 32);
  const uncleHash = h.bytesShared('uncleHash', 32);
  const coinbase = h.bytesShared('coinbase', 20);
  const stateRoot = h.bytesShared('stateRoot', 32);
  const txRoot = h.bytesShared('txRoot', 32);
  const receiptRoot = h.bytesShared('receiptRoot', 32);
  const bloom = h.bytesShared('bloom', 256);
  const difficulty = h.uint('difficulty', 32);
  const number = h.uint64('number');
  const gasLimit = h.uint64('gasLimit');
  const gasUsed = h.uint64('gasUsed');
  const time = h.uint64('time');
  const extra = h.bytesShared('extra');
  const mixDigest = h.bytesShared('mixDigest', 32);
  const nonce = h.bytesShared('nonce', 8);
  const baseFee = h.hasMore() ? h.uint('baseFee', 32) : undefined;
  const withdrawalsRoot = h.hasMore() ? h.bytesShared('withdrawalsRoot', 32) : undefined;
  const blobGasUsed = h.hasMore() ? h.uint64('blobGasUsed') : undefined;
  const excessBlobGas = h.hasMore() ? h.uint64('excessBlobGas') : undefined;
  const parentBeaconRoot = h.hasMore() ? h.bytesShared('parentBeaconRoot', 32) : undefined;
  const requestsHash = h.hasMore() ? h.bytesShared('requestsHash', 32) : undefined;
  const unknownFields = h.hasMore() ? h.map((u, item) => u.raw(`unknownFields${item}`)) : undefined;
  const hash = keccak256(raw);
  if (requestsHash !== undefined && unknownFields === undefined) {
    // A Prague header (today's common case) is built in one literal: one object shape, no transitions.
    return { parentHash, uncleHash, coinbase, stateRoot, txRoot, receiptRoot, bloom, difficulty, number, gasLimit, gasUsed, time, extra, mixDigest, nonce, baseFee: baseFee!, withdrawalsRoot: withdrawalsRoot!, blobGasUsed: blobGasUsed!, excessBlobGas: excessBlobGas!, parentBeaconRoot, requestsHash, raw, hash };
  }
  // Older (or newer) headers: optional fields appear only when present.
  const header: BlockHeader = { parentHash, uncleHash, coinbase, stateRoot, txRoot, receiptRoot, bloom, difficulty, number, gasLimit, gasUsed, time, extra, mixDigest, nonce, raw, hash };
  if (baseFee !== undefined) header.baseFee = baseFee;
  if (withdrawalsRoot !== undefined) header.withdrawalsRoot = withdrawalsRoot;
  if (blobGasUsed !== undefined) header.blobGasUsed = blobGasUsed;
  if (excessBlobGas !== undefined) header.excessBlobGas = excessBlobGas;
  if (parentBeaconRoot !== undefined) header.parentBeaconRoot = parentBeaconRoot;
  if (requestsHash !== undefined) header.requestsHash = requestsHash;
  if (unknownFields !== undefined) header.unknownFields = unknownFields;
  return header;
}

/** Decodes a header from its RLP encoding. */
export function decodeHeader(data: Uint8Array): BlockHeader {
  const r = RlpReader.over(data, WHAT);
  const header = readHeader(r, 'header');
  r.done();
  return header;
}

/** The header's RLP encoding (its original bytes). */
export function encodeHeader(h: BlockHeader): Uint8Array {
  return h.raw;
}
