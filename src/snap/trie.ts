/**
 * The Merkle-Patricia trie work snap needs, on @ethereumjs/mpt: building a trie over hashed keys,
 * Merkle proofs of a key (present or absent), the node at a path (geth `Trie.GetNode`), and range
 * proof verification (geth `trie.VerifyRangeProof`).
 *
 * Why @ethereumjs/mpt: it is maintained with the rest of the ethereumjs stack we already use
 * (@ethereumjs/rlp and util), is pure TypeScript, and has both halves snap needs: proof creation
 * (`createMerkleProof`) and range-proof verification (`verifyMerkleRangeProof`, a port of geth's
 * algorithm: all-elements, zero-element, one-element and two-edge proofs). A trie with range proofs
 * is subtle code where a second, tested implementation beats writing our own.
 */
import { createMerkleProof, MerklePatriciaTrie, verifyMerkleRangeProof } from '@ethereumjs/mpt';
import { bytesToHex } from '../common/bytes.js';
import { rlpDecode, type RlpItem } from '../common/rlp.js';
import { keccak256 } from '../crypto/keccak.js';
import { compareBytes } from './bytes-order.js';

/** Why a range proof was refused (the message of @ethereumjs/mpt's verifier). */
export class RangeProofError extends Error {
  constructor(readonly detail: string) {
    super(`invalid range proof: ${detail}`);
    this.name = 'RangeProofError';
  }
}

/** A trie whose keys are already hashes (the state and storage tries as snap sees them). */
export class HashedTrie {
  private constructor(private readonly trie: MerklePatriciaTrie) {}

  /** Builds the trie holding `entries` (keys distinct, values non-empty). */
  static async build(entries: Iterable<readonly [Uint8Array, Uint8Array]>): Promise<HashedTrie> {
    // Node hashes through our crypto backend (WASM keccak on the fast one): hashing is most of the work.
    const trie = new MerklePatriciaTrie({ useKeyHashingFunction: keccak256 });
    for (const [k, v] of entries) await trie.put(k, v);
    return new HashedTrie(trie);
  }

  /** The root hash. */
  get root(): Uint8Array {
    return this.trie.root();
  }

  /**
   * The nodes proving `key` present or absent, root first. Nodes embedded in their parent
   * (encodings under 32 bytes) are left out, as geth leaves them out: they travel inside it.
   */
  async prove(key: Uint8Array): Promise<Uint8Array[]> {
    return (await createMerkleProof(this.trie, key)).filter((n) => n.length >= 32);
  }

  /**
   * The node at `path` (hex-prefix "compact" encoded, as GetTrieNodes carries it), following
   * geth's `Trie.GetNode`: the node's encoding when the path ends at a node stored by hash; an
   * empty array when no node is at the path; undefined when the path ends at a node embedded in
   * its parent or at a value (geth serves nothing for those).
   */
  async nodeAt(compactPath: Uint8Array): Promise<Uint8Array | undefined> {
    const path = compactToNibbles(compactPath);
    let ref: RlpItem = this.trie.root();
    let pos = 0;
    for (;;) {
      if (ref instanceof Uint8Array && ref.length === 0) return new Uint8Array(0);
      let node: RlpItem;
      if (ref instanceof Uint8Array && ref.length === 32) {
        const encoded = await this.load(ref);
        if (encoded === undefined) return new Uint8Array(0);
        if (pos >= path.length) return encoded;
        node = rlpDecode(encoded, 'trie node');
      } else if (Array.isArray(ref)) {
        if (pos >= path.length) return undefined;
        node = ref;
      } else {
        // A value: the path went past a leaf.
        return pos >= path.length ? undefined : new Uint8Array(0);
      }
      const items = node as RlpItem[];
      if (items.length === 17) {
        const nibble = path[pos]!;
        ref = items[nibble]!;
        pos += 1;
        if (nibble === 16 && ref instanceof Uint8Array && ref.length > 0) return pos >= path.length ? undefined : new Uint8Array(0);
        continue;
      }
      const { nibbles, leaf } = compactToKey(items[0] as Uint8Array);
      const key = leaf ? [...nibbles, 16] : nibbles;
      for (let i = 0; i < key.length; i++) if (path[pos + i] !== key[i]) return new Uint8Array(0);
      pos += key.length;
      if (leaf) return pos >= path.length ? undefined : new Uint8Array(0);
      ref = items[1]!;
    }
  }

  private async load(hash: Uint8Array): Promise<Uint8Array | undefined> {
    try {
      return (await this.trie.lookupNode(hash)).serialize();
    } catch {
      return undefined;
    }
  }
}

/** Nibbles of a compact path (geth `compactToHex`), with the terminator 16 when it is a leaf path. */
export function compactToNibbles(compact: Uint8Array): number[] {
  if (compact.length === 0) return [];
  const { nibbles, leaf } = compactToKey(compact);
  return leaf ? [...nibbles, 16] : nibbles;
}

function compactToKey(compact: Uint8Array): { nibbles: number[]; leaf: boolean } {
  const flag = compact[0]! >> 4;
  const nibbles: number[] = [];
  if (flag & 1) nibbles.push(compact[0]! & 0x0f);
  for (let i = 1; i < compact.length; i++) nibbles.push(compact[i]! >> 4, compact[i]! & 0x0f);
  return { nibbles, leaf: (flag & 2) !== 0 };
}

/** Hex-prefix encoding of a nibble path (no terminator): what GetTrieNodes carries. */
export function nibblesToCompact(nibbles: readonly number[]): Uint8Array {
  const odd = nibbles.length % 2 === 1;
  const out = new Uint8Array(1 + (nibbles.length >> 1));
  let i = 0;
  out[0] = odd ? 0x10 | nibbles[i++]! : 0;
  for (let o = 1; i < nibbles.length; i += 2, o++) out[o] = (nibbles[i]! << 4) | nibbles[i + 1]!;
  return out;
}

/**
 * Verifies that `keys`/`values` are a complete run of the trie with root `root` starting at
 * `origin`, as a snap client must (geth `trie.VerifyRangeProof`). With no proof nodes and a zero
 * origin they must be the whole trie. Returns whether the trie has more keys after the last one.
 * Throws {@link RangeProofError}.
 */
export async function verifyRangeProof(root: Uint8Array, origin: Uint8Array, keys: readonly Uint8Array[], values: readonly Uint8Array[], proof: readonly Uint8Array[]): Promise<boolean> {
  try {
    if (proof.length === 0) {
      if (origin.some((b) => b !== 0)) throw new RangeProofError('no proof for a range not starting at zero');
      return await verifyMerkleRangeProof(root, null, null, [...keys], [...values], null, keccak256);
    }
    if (keys.length > 0 && compareBytes(origin, keys[0]!) > 0) throw new RangeProofError('first key before the origin');
    const last = keys.length === 0 ? null : keys[keys.length - 1]!;
    return await verifyMerkleRangeProof(root, origin, last, [...keys], [...values], [...proof], keccak256);
  } catch (e) {
    if (e instanceof RangeProofError) throw e;
    throw new RangeProofError(e instanceof Error ? e.message : String(e));
  }
}

/** Hex of a key, for maps keyed by hash. */
export function keyHex(k: Uint8Array): string {
  return bytesToHex(k);
}
