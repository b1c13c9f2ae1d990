/**
 * A header as header sync and the header store need it: its bytes, its hash, its number, its
 * parent's hash and its time. Read with every check `readHeader` makes (each field's kind, size
 * and canonical encoding), but without building the other fields: syncing mainnet moves tens of
 * millions of headers whose other fields nobody reads on the way to disk, and building a dozen
 * views and bigints for each was half of the syncing side's CPU time, most of it garbage
 * collection (docs/performance.md).
 *
 * A full BlockHeader (header.ts) is a HeaderRecord, so code taking records takes full headers too.
 */
import { keccak256 } from '../crypto/keccak.js';
import type { RlpReader } from '../common/rlp-reader.js';

/** The parts of a header that link it into a chain and store it. */
export interface HeaderRecord {
  /** The header's RLP encoding. */
  readonly raw: Uint8Array;
  /** keccak256(raw), the block hash. */
  readonly hash: Uint8Array;
  number: bigint;
  parentHash: Uint8Array;
  /** Its timestamp (header sync checks that it increases along the chain). */
  time: bigint;
}

/**
 * Reads the next element of `r` as a header record. `raw` and `parentHash` are views into
 * `r`'s buffer, so the caller owns that buffer (copy the message once, not each header).
 * Accepts and refuses exactly what {@link readHeader} does (a property test holds them to it).
 */
export function readHeaderRecord(r: RlpReader, name: string): HeaderRecord {
  const h = r.list(name);
  const data = r.buffer;
  const raw = new Uint8Array(data.buffer, data.byteOffset + r.spanStart, r.spanEnd - r.spanStart);
  const parentHash = h.bytesShared('parentHash', 32);
  h.skipBytes('uncleHash', 32);
  h.skipBytes('coinbase', 20);
  h.skipBytes('stateRoot', 32);
  h.skipBytes('txRoot', 32);
  h.skipBytes('receiptRoot', 32);
  h.skipBytes('bloom', 256);
  h.skipUint('difficulty', 32);
  const number = h.uint64('number');
  h.skipUint('gasLimit', 8);
  h.skipUint('gasUsed', 8);
  const time = h.uint64('time');
  h.skipBytes('extra');
  h.skipBytes('mixDigest', 32);
  h.skipBytes('nonce', 8);
  if (h.hasMore()) h.skipUint('baseFee', 32);
  if (h.hasMore()) h.skipBytes('withdrawalsRoot', 32);
  if (h.hasMore()) h.skipUint('blobGasUsed', 8);
  if (h.hasMore()) h.skipUint('excessBlobGas', 8);
  if (h.hasMore()) h.skipBytes('parentBeaconRoot', 32);
  if (h.hasMore()) h.skipBytes('requestsHash', 32);
  // Fields of forks newer than this code: each must be well-formed RLP, as readHeader keeps them.
  for (let i = 0; h.hasMore(); i++) h.raw(`unknownFields${i}`);
  return { raw, hash: keccak256(raw), number, parentHash, time };
}

