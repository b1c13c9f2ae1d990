/**
 * GetTrieNodes (0x06) and TrieNodes (0x07), snap/1 only: trie nodes by path. Each path set is
 * `[account-path, storage-path...]`: one element addresses an account trie node, more address
 * nodes of that account's storage trie. Paths are compact (hex-prefix) encoded nibble paths.
 */
import { encList } from '../../common/rlp-encode.js';
import { encByteList, encHash, encU64, openMessage, readByteList } from './fields.js';

/** `[request-id, root, [[account-path, storage-path...], ...], bytes]`. */
export interface GetTrieNodes {
  requestId: bigint;
  root: Uint8Array;
  paths: Uint8Array[][];
  bytes: bigint;
}

/** `[request-id, [node, ...]]`. */
export interface TrieNodes {
  requestId: bigint;
  nodes: Uint8Array[];
}

export function encodeGetTrieNodes(m: GetTrieNodes): Uint8Array {
  return encList([encU64(m.requestId, 'requestId'), encHash(m.root, 'root'), encList(m.paths.map(encByteList)), encU64(m.bytes, 'bytes')]);
}

export function decodeGetTrieNodes(data: Uint8Array): GetTrieNodes {
  const r = openMessage(data, 'GetTrieNodes');
  const requestId = r.uint64('requestId');
  const root = r.hash('root');
  const paths = r.listItems('paths', (l, i) => readByteList(l, String(i)));
  const bytes = r.uint64('bytes');
  r.done();
  return { requestId, root, paths, bytes };
}

export function encodeTrieNodes(m: TrieNodes): Uint8Array {
  return encList([encU64(m.requestId, 'requestId'), encByteList(m.nodes)]);
}

export function decodeTrieNodes(data: Uint8Array): TrieNodes {
  const r = openMessage(data, 'TrieNodes');
  const m = { requestId: r.uint64('requestId'), nodes: readByteList(r, 'nodes') };
  r.done();
  return m;
}
