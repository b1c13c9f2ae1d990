/**
 * Status (0x00), the first message of an eth session. eth/68 carries total difficulty and
 * head hash; eth/69 (EIP-7642) replaced them with the served block range, and eth/70 keeps the
 * eth/69 shape. Whether the values are acceptable (version, network, genesis, fork ID) is the
 * handshake's decision, not the codec's.
 */
import { checkLength, checkUint } from '../../chain/fields.js';
import { encodeForkIdItem, readForkId, type ForkId } from '../../chain/forkid.js';
import { encBytes, encList, encUint } from '../../common/rlp-encode.js';
import { RlpReader } from '../../common/rlp-reader.js';
import { MAX_MESSAGE_SIZE } from '../protocol.js';

/** eth/68 Status: `[version, networkid, td, blockhash, genesis, forkid]`. */
export interface Status68 {
  version: number;
  networkId: bigint;
  /** Total difficulty of the head (post-merge geth sends 0 or the terminal TD). */
  td: bigint;
  /** Hash of the head block. */
  head: Uint8Array;
  genesis: Uint8Array;
  forkId: ForkId;
}

/** eth/69 and eth/70 Status: `[version, networkid, genesis, forkid, earliest, latest, latestHash]`. */
export interface Status69 {
  version: number;
  networkId: bigint;
  genesis: Uint8Array;
  forkId: ForkId;
  /** Oldest block whose bodies and receipts this node serves. */
  earliestBlock: bigint;
  latestBlock: bigint;
  latestBlockHash: Uint8Array;
}

const WHAT68 = 'eth/68 Status';
const WHAT69 = 'eth/69 Status';

/** Encodes an eth/68 Status. */
export function encodeStatus68(s: Status68): Uint8Array {
  return encList([
    encUint(checkUint(BigInt(s.version), 32, 'version')),
    encUint(checkUint(s.networkId, 64, 'networkId')),
    encUint(checkUint(s.td, 256, 'td')),
    encBytes(checkLength(s.head, 32, 'head')),
    encBytes(checkLength(s.genesis, 32, 'genesis')),
    encodeForkIdItem(s.forkId),
  ]);
}

/** Decodes an eth/68 Status. */
export function decodeStatus68(data: Uint8Array): Status68 {
  const r = RlpReader.message(data, WHAT68, MAX_MESSAGE_SIZE);
  const s: Status68 = {
    version: r.uint32('version'),
    networkId: r.uint64('networkId'),
    td: r.uint('td', 32),
    head: r.hash('head'),
    genesis: r.hash('genesis'),
    forkId: readForkId(r),
  };
  r.done();
  return s;
}

/** Encodes an eth/69 (or eth/70) Status. */
export function encodeStatus69(s: Status69): Uint8Array {
  return encList([
    encUint(checkUint(BigInt(s.version), 32, 'version')),
    encUint(checkUint(s.networkId, 64, 'networkId')),
    encBytes(checkLength(s.genesis, 32, 'genesis')),
    encodeForkIdItem(s.forkId),
    encUint(checkUint(s.earliestBlock, 64, 'earliestBlock')),
    encUint(checkUint(s.latestBlock, 64, 'latestBlock')),
    encBytes(checkLength(s.latestBlockHash, 32, 'latestBlockHash')),
  ]);
}

/** Decodes an eth/69 (or eth/70) Status. */
export function decodeStatus69(data: Uint8Array): Status69 {
  const r = RlpReader.message(data, WHAT69, MAX_MESSAGE_SIZE);
  const s: Status69 = {
    version: r.uint32('version'),
    networkId: r.uint64('networkId'),
    genesis: r.hash('genesis'),
    forkId: readForkId(r),
    earliestBlock: r.uint64('earliestBlock'),
    latestBlock: r.uint64('latestBlock'),
    latestBlockHash: r.hash('latestBlockHash'),
  };
  r.done();
  return s;
}
