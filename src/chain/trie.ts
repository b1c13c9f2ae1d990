/**
 * Merkle-Patricia trie roots, computed in one pass over all entries (no database, no proofs):
 * enough to derive a block's transactionsRoot, receiptsRoot and withdrawalsRoot (geth
 * `types.DeriveSha`), where keys are the RLP-encoded list indices.
 */
import { bytesToHex } from '../common/bytes.js';
import { keccak256 } from '../crypto/keccak.js';
import { encBytes, encList, encUint } from '../common/rlp-encode.js';

/** Root of the empty trie: keccak256(rlp("")). */
export const EMPTY_TRIE_ROOT = keccak256(Uint8Array.of(0x80));

interface Entry {
  key: number[];
  value: Uint8Array;
}

function nibbles(key: Uint8Array): number[] {
  const out: number[] = [];
  for (const b of key) out.push(b >> 4, b & 0x0f);
  return out;
}

/** Hex-prefix encoding of a nibble path (yellow paper appendix C). */
function hexPrefix(path: number[], leaf: boolean): Uint8Array {
  const odd = path.length % 2 === 1;
  const flag = (leaf ? 2 : 0) + (odd ? 1 : 0);
  const out = new Uint8Array(1 + (path.length >> 1));
  let i = 0;
  if (odd) out[0] = (flag << 4) | path[i++]!;
  else out[0] = flag << 4;
  for (let o = 1; i < path.length; i += 2, o++) out[o] = (path[i]! << 4) | path[i + 1]!;
  return out;
}

/** How a node is referenced from its parent: inline if its encoding is under 32 bytes, else by hash. */
function ref(node: Uint8Array): Uint8Array {
  return node.length < 32 ? node : encBytes(keccak256(node));
}

/** Encodes the node holding `entries`, whose keys agree on their first `depth` nibbles. */
function node(entries: Entry[], depth: number): Uint8Array {
  if (entries.length === 0) return encBytes(new Uint8Array(0));
  if (entries.length === 1) {
    const e = entries[0]!;
    return encList([encBytes(hexPrefix(e.key.slice(depth), true)), encBytes(e.value)]);
  }
  // Longest path all keys share beyond `depth`: an extension node.
  let common = 0;
  const first = entries[0]!.key;
  for (;;) {
    const d = depth + common;
    if (d >= first.length || entries.some((e) => e.key.length <= d || e.key[d] !== first[d])) break;
    common++;
  }
  if (common > 0) return encList([encBytes(hexPrefix(first.slice(depth, depth + common), false)), ref(node(entries, depth + common))]);
  const children: Entry[][] = Array.from({ length: 16 }, () => []);
  let value: Uint8Array | undefined;
  for (const e of entries) {
    if (e.key.length === depth) value = e.value;
    else children[e.key[depth]!]!.push(e);
  }
  const items = children.map((c) => (c.length === 0 ? encBytes(new Uint8Array(0)) : ref(node(c, depth + 1))));
  items.push(encBytes(value ?? new Uint8Array(0)));
  return encList(items);
}

/** Root hash of the trie holding `entries` (distinct keys; empty values are treated as absent). */
export function trieRoot(entries: Iterable<readonly [Uint8Array, Uint8Array]>): Uint8Array {
  const byKey = new Map<string, Entry>();
  for (const [k, v] of entries) {
    if (v.length === 0) continue;
    byKey.set(bytesToHex(k), { key: nibbles(k), value: v });
  }
  return keccak256(node([...byKey.values()], 0));
}

/** Root of the trie mapping rlp(i) to `items[i]` (geth `types.DeriveSha`). */
export function orderedTrieRoot(items: readonly Uint8Array[]): Uint8Array {
  return trieRoot(items.map((v, i) => [encUint(i), v] as const));
}
