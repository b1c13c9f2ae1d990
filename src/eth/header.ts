/**
 * Block headers: every field through Prague, decoded from and kept with their original RLP.
 *
 * The hash is keccak256 of the exact bytes received, so a header is never re-encoded to be
 * hashed; fields added by forks this code does not know yet are kept as raw RLP items, which
 * keeps both re-encoding and hashing correct for future headers.
 */
import { DecodeError } from '../common/errors.js';
import { asBigUint, asBytes, asList, rlpDecode, type RlpItem } from '../common/rlp.js';
import { keccak256 } from '../crypto/keccak.js';
import { asHash, asUint64, checkLength, checkUint } from './fields.js';
import { encBytes, encList, encUint, rlpListSpans } from './rlp-raw.js';

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

/** A block header with its encoding and hash. Treat as immutable: `raw` and `hash` are not recomputed. */
export interface BlockHeader extends HeaderFields {
  /** The header's RLP encoding (as received, or as built by {@link makeHeader}). */
  readonly raw: Uint8Array;
  /** keccak256(raw), the block hash. */
  readonly hash: Uint8Array;
}

const WHAT = 'BlockHeader';
const BASE_FIELDS = 15;
/** Optional fields in wire order; each may only be present if all before it are. */
const OPTIONAL_FIELDS = ['baseFee', 'withdrawalsRoot', 'blobGasUsed', 'excessBlobGas', 'parentBeaconRoot', 'requestsHash'] as const;
const KNOWN_FIELDS = BASE_FIELDS + OPTIONAL_FIELDS.length;

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
    rlpDecode(u, WHAT);
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
 * Reads a header from its decoded RLP item and its encoding `raw` (the same bytes the item
 * was decoded from). Used by message decoders that already decoded the whole message.
 */
export function headerFromItem(item: RlpItem | undefined, raw: Uint8Array, what = WHAT, field = 'header'): BlockHeader {
  const l = asList(item, what, field, BASE_FIELDS);
  const f = (name: string) => `${field}.${name}`;
  const header: BlockHeader = {
    parentHash: asHash(l[0], what, f('parentHash')),
    uncleHash: asHash(l[1], what, f('uncleHash')),
    coinbase: asBytes(l[2], what, f('coinbase'), 20),
    stateRoot: asHash(l[3], what, f('stateRoot')),
    txRoot: asHash(l[4], what, f('txRoot')),
    receiptRoot: asHash(l[5], what, f('receiptRoot')),
    bloom: asBytes(l[6], what, f('bloom'), 256),
    difficulty: asBigUint(l[7], what, f('difficulty'), 32),
    number: asUint64(l[8], what, f('number')),
    gasLimit: asUint64(l[9], what, f('gasLimit')),
    gasUsed: asUint64(l[10], what, f('gasUsed')),
    time: asUint64(l[11], what, f('time')),
    extra: asBytes(l[12], what, f('extra')),
    mixDigest: asHash(l[13], what, f('mixDigest')),
    nonce: asBytes(l[14], what, f('nonce'), 8),
    raw,
    hash: keccak256(raw),
  };
  const n = l.length;
  if (n > 15) header.baseFee = asBigUint(l[15], what, f('baseFee'), 32);
  if (n > 16) header.withdrawalsRoot = asHash(l[16], what, f('withdrawalsRoot'));
  if (n > 17) header.blobGasUsed = asUint64(l[17], what, f('blobGasUsed'));
  if (n > 18) header.excessBlobGas = asUint64(l[18], what, f('excessBlobGas'));
  if (n > 19) header.parentBeaconRoot = asHash(l[19], what, f('parentBeaconRoot'));
  if (n > 20) header.requestsHash = asHash(l[20], what, f('requestsHash'));
  if (n > KNOWN_FIELDS) {
    // Only split the encoding when there is something unknown to keep.
    const spans = rlpListSpans(raw, what, field);
    if (spans.length !== n) throw new DecodeError(what, field, 'encoding does not match decoded header');
    header.unknownFields = spans.slice(KNOWN_FIELDS).map((s) => s.slice());
  }
  return header;
}

/** Decodes a header from its RLP encoding. */
export function decodeHeader(data: Uint8Array): BlockHeader {
  const raw = data.slice();
  return headerFromItem(rlpDecode(raw, WHAT), raw);
}

/** The header's RLP encoding (its original bytes). */
export function encodeHeader(h: BlockHeader): Uint8Array {
  return h.raw;
}
