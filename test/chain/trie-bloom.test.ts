import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/common/bytes.js';
import { keccak256 } from '../../src/crypto/keccak.js';
import { BLOOM_BYTES, bloomAdd, logsBloom, orBlooms } from '../../src/chain/bloom.js';
import { EMPTY_TRIE_ROOT, orderedTrieRoot, trieRoot } from '../../src/chain/trie.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const kv = (pairs: [string, string][]) => pairs.map(([k, v]) => [utf8(k), utf8(v)] as const);

describe('Merkle-Patricia trie root', () => {
  it('is keccak(rlp("")) for the empty trie', () => {
    expect(bytesToHex(EMPTY_TRIE_ROOT)).toBe('56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421');
    expect(trieRoot([])).toEqual(EMPTY_TRIE_ROOT);
    expect(orderedTrieRoot([])).toEqual(EMPTY_TRIE_ROOT);
  });

  it('matches the ethereum/tests trieanyorder "dogs" vector (branch, extension and leaf nodes)', () => {
    const root = trieRoot(kv([['doe', 'reindeer'], ['dog', 'puppy'], ['dogglesworth', 'cat']]));
    expect(bytesToHex(root)).toBe('8aad789dff2f538bca5d8ea56e8abe10f4c7ba3a5dea95fea4cd6e7c3a1168d3');
  });

  it('matches the ethereum/tests "puppy" vector (a key that is a prefix of another: value in a branch)', () => {
    const root = trieRoot(kv([['do', 'verb'], ['horse', 'stallion'], ['doge', 'coin'], ['dog', 'puppy']]));
    expect(bytesToHex(root)).toBe('5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84');
  });

  it('does not depend on insertion order', () => {
    const a = trieRoot(kv([['a', '1'], ['ab', '2'], ['abc', '3'], ['b', '4']]));
    const b = trieRoot(kv([['b', '4'], ['abc', '3'], ['a', '1'], ['ab', '2']]));
    expect(a).toEqual(b);
  });
});

describe('logs bloom', () => {
  it('sets at most three bits per item, all of them present in the OR of blooms', () => {
    const one = new Uint8Array(BLOOM_BYTES);
    bloomAdd(one, utf8('testtest'));
    const bits = [...one].reduce((n, b) => n + b.toString(2).split('1').length - 1, 0);
    expect(bits).toBeGreaterThan(0);
    expect(bits).toBeLessThanOrEqual(3);
    const other = new Uint8Array(BLOOM_BYTES);
    bloomAdd(other, utf8('hallo'));
    const both = orBlooms([one, other]);
    for (let i = 0; i < BLOOM_BYTES; i++) expect(both[i]! & one[i]!).toBe(one[i]);
  });

  it('follows the yellow paper bit selection (low 11 bits of the first three hash byte pairs)', () => {
    const data = utf8('x');
    const h = keccak256(data);
    const bloom = new Uint8Array(BLOOM_BYTES);
    bloomAdd(bloom, data);
    for (let i = 0; i < 6; i += 2) {
      const bit = ((h[i]! << 8) | h[i + 1]!) & 2047;
      // Bit 0 is the least significant bit of the last byte.
      expect(bloom[255 - (bit >> 3)]! & (1 << (bit % 8))).not.toBe(0);
    }
  });

  it('covers each log address and topic', () => {
    const address = new Uint8Array(20).fill(7);
    const topic = new Uint8Array(32).fill(9);
    const b = logsBloom([{ address, topics: [topic], data: new Uint8Array() }]);
    const expected = new Uint8Array(BLOOM_BYTES);
    bloomAdd(expected, address);
    bloomAdd(expected, topic);
    expect(b).toEqual(expected);
    expect(logsBloom([])).toEqual(new Uint8Array(BLOOM_BYTES));
  });
});
