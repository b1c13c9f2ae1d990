/**
 * snap codecs: every message round-trips, decoding is strict (shape, hash lengths, order of
 * range keys, proof size), and message codes are routed per version as geth routes them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/common/errors.js';
import { rlpEncode } from '../../src/common/rlp.js';
import { decodeSlimAccount, EMPTY_CODE_HASH, EMPTY_ROOT_HASH, encodeFullAccount, encodeSlimAccount, slimToFull } from '../../src/snap/account.js';
import { decodeSnapMessage, encodeSnapMessage, SNAP_CODECS, decodeAccountRange, encodeAccountRange, decodeGetStorageRanges, decodeAccessLists } from '../../src/snap/messages/index.js';
import { MAX_PROOF_NODES, SNAP_MAX_MESSAGE_SIZE, snapMessageNameForCode, SNAP_PROTOCOL_LENGTHS, SnapMessageCode, type SnapMessageName } from '../../src/snap/protocol.js';
import { SNAP_MESSAGE_ARBS } from './arbitraries.js';

describe('snap codecs round-trip', () => {
  for (const name of Object.keys(SNAP_CODECS) as SnapMessageName[]) {
    it(`${name}: decode(encode(m)) = m and encode(decode(b)) = b`, () => {
      const codec = SNAP_CODECS[name] as { encode(v: unknown): Uint8Array; decode(b: Uint8Array): unknown };
      fc.assert(
        fc.property(SNAP_MESSAGE_ARBS[name] as fc.Arbitrary<unknown>, (m) => {
          const b = codec.encode(m);
          const back = codec.decode(b);
          expect(back).toEqual(m);
          expect(codec.encode(back)).toEqual(b);
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe('snap strict decoding', () => {
  const h = (n: number) => new Uint8Array(32).fill(n);
  const slim = encodeSlimAccount({ nonce: 1n, balance: 2n, storageRoot: EMPTY_ROOT_HASH, codeHash: EMPTY_CODE_HASH });

  it('refuses an AccountRange whose hashes are not ascending', () => {
    const b = encodeAccountRange({ requestId: 1n, accounts: [{ hash: h(2), body: slim }, { hash: h(1), body: slim }], proof: [] });
    expect(() => decodeAccountRange(b)).toThrow(/ascending/);
  });
  it('refuses an AccountRange with a duplicated hash', () => {
    const b = encodeAccountRange({ requestId: 1n, accounts: [{ hash: h(1), body: slim }, { hash: h(1), body: slim }], proof: [] });
    expect(() => decodeAccountRange(b)).toThrow(DecodeError);
  });
  it(`refuses an AccountRange with more than MAX_PROOF_NODES (${MAX_PROOF_NODES}) proof nodes, accepts exactly that many`, () => {
    const at = encodeAccountRange({ requestId: 1n, accounts: [], proof: Array.from({ length: MAX_PROOF_NODES }, () => Uint8Array.of(1, 2)) });
    expect(decodeAccountRange(at).proof).toHaveLength(MAX_PROOF_NODES);
    const over = encodeAccountRange({ requestId: 1n, accounts: [], proof: Array.from({ length: MAX_PROOF_NODES + 1 }, () => Uint8Array.of(1, 2)) });
    expect(() => decodeAccountRange(over)).toThrow(/exceed the limit/);
  });
  it('refuses an account body that is not a slim account', () => {
    expect(() => decodeAccountRange(rlpEncode([1n, [[h(1), [1n, 2n, new Uint8Array(5), new Uint8Array(0)]]], []]))).toThrow(/storageRoot/);
  });
  it('refuses a storage bound longer than a hash', () => {
    const b = rlpEncode([1n, h(0), [h(1)], new Uint8Array(33), new Uint8Array(0), 100n]);
    expect(() => decodeGetStorageRanges(b)).toThrow(/origin/);
  });
  it('refuses an access list entry that is a non-empty string', () => {
    expect(() => decodeAccessLists(rlpEncode([1n, [Uint8Array.of(5, 6)]]))).toThrow(/accessLists/);
  });
  it('refuses a message over 10 MiB before reading it', () => {
    expect(() => SNAP_CODECS.ByteCodes.decode(new Uint8Array(SNAP_MAX_MESSAGE_SIZE + 1))).toThrow(/exceeds/);
  });
  it('reads a slim account back to the consensus encoding', () => {
    const a = { nonce: 5n, balance: 10n ** 20n, storageRoot: EMPTY_ROOT_HASH, codeHash: EMPTY_CODE_HASH };
    expect(encodeSlimAccount(a).length).toBeLessThan(encodeFullAccount(a).length);
    expect(slimToFull(encodeSlimAccount(a))).toEqual(encodeFullAccount(a));
    expect(decodeSlimAccount(encodeSlimAccount(a))).toEqual(a);
  });
});

describe('snap message codes per version', () => {
  it('snap/1 has 8 codes with GetTrieNodes; snap/2 has 10, GetAccessLists instead of GetTrieNodes', () => {
    expect(SNAP_PROTOCOL_LENGTHS).toEqual({ 1: 8, 2: 10 });
    expect(snapMessageNameForCode(1, 0x06)).toBe('GetTrieNodes');
    expect(snapMessageNameForCode(1, 0x08)).toBeUndefined();
    expect(snapMessageNameForCode(2, 0x06)).toBeUndefined();
    expect(snapMessageNameForCode(2, 0x08)).toBe('GetAccessLists');
  });
  it('decodes as received: bytes after the top-level value ignored, a code the version lacks refused', () => {
    const m = { requestId: 3n, hashes: [], bytes: 9n };
    const { code, data } = encodeSnapMessage(2, { name: 'GetAccessLists', value: m });
    expect(decodeSnapMessage(2, code, Uint8Array.of(...data, 0x01, 0x02)).value).toEqual(m);
    expect(() => decodeSnapMessage(1, SnapMessageCode.GetAccessLists, data)).toThrow(DecodeError);
    expect(() => encodeSnapMessage(2, { name: 'GetTrieNodes', value: { requestId: 1n, root: new Uint8Array(32), paths: [], bytes: 0n } })).toThrow(RangeError);
  });
});
