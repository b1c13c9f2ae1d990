/**
 * Serving over geth's ethtest head state, against the expectations of geth v1.17.10's
 * `devp2p rlpx snap-test` (cmd/devp2p/internal/ethtest/snap.go): account counts and edges per
 * byte limit and range, bytecode answers, trie nodes by path, and limits clamped as geth does.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex, equalBytes, hexToBytes } from '../../src/common/bytes.js';
import { keccak256 } from '../../src/crypto/keccak.js';
import { EMPTY_CODE_HASH, EMPTY_ROOT_HASH } from '../../src/snap/account.js';
import { MAX_CODE_LOOKUPS, SNAP_SOFT_RESPONSE_LIMIT } from '../../src/snap/protocol.js';
import { serveAccessLists, serveAccountRange, serveByteCodes, serveStorageRanges, serveTrieNodes } from '../../src/snap/serve.js';
import { SnapProtocolError } from '../../src/snap/errors.js';
import { verifyRangeProof, nibblesToCompact } from '../../src/snap/trie.js';
import { encodeFullAccount, decodeSlimAccount } from '../../src/snap/account.js';
import { FF, hashAdd, headState, LAST_ACCOUNT, ZERO } from './fixtures.js';

const req = (over: Partial<{ root: Uint8Array; origin: Uint8Array; limit: Uint8Array; bytes: bigint }>) => ({ requestId: 7n, root: ZERO, origin: ZERO, limit: FF, bytes: 4000n, ...over });

describe('serveAccountRange over the ethtest head state', async () => {
  const state = await headState();
  const root = state.root;
  const first = state.allAccounts[0]!.hash;
  const second = state.allAccounts[1]!.hash;

  const cases: [string, Parameters<typeof req>[0], number, Uint8Array | undefined, Uint8Array | undefined][] = [
    ['the whole range in 4000 bytes', { root }, 48, first, LAST_ACCOUNT],
    ['3000 bytes', { root, bytes: 3000n }, 46, first, hexToBytes('e3b0b0cbc04ac35bd85edc0e674ce3caa7aeeeb6a0d0c93326947cfcd53d5610')],
    ['2000 bytes', { root, bytes: 2000n }, 32, first, hexToBytes('a9233a729f0468c9c309c48b82934c99ba1fd18447947b3bc0621adb7a5fc643')],
    ['1 byte', { root, bytes: 1n }, 1, first, first],
    ['0 bytes', { root, bytes: 0n }, 1, first, first],
    ['origin before the first, limit after it', { root, origin: hashAdd(first, -500n), limit: hashAdd(first, 1n) }, 2, first, second],
    ['both bounds before the first', { root, origin: hashAdd(first, -500n), limit: hashAdd(first, -450n) }, 1, first, first],
    ['zero origin and limit', { root, limit: ZERO }, 1, first, first],
    ['origin at the first', { root, origin: first }, 48, first, LAST_ACCOUNT],
    ['origin after the first', { root, origin: hashAdd(first, 1n) }, 47, second, LAST_ACCOUNT],
    ['an unknown root', { root: hashAdd(ZERO, 0x1337n) }, 0, undefined, undefined],
    ['origin after limit', { root, origin: FF, limit: ZERO }, 0, undefined, undefined],
    ['limit before origin', { root, origin: first, limit: hashAdd(first, -1n) }, 1, first, first],
  ];
  for (const [name, over, count, firstHash, lastHash] of cases) {
    it(`${name}: ${count} accounts, proved`, async () => {
      const r = req(over);
      const res = await serveAccountRange(state, r);
      expect(res.accounts.length).toBe(count);
      if (firstHash) expect(bytesToHex(res.accounts[0]!.hash)).toBe(bytesToHex(firstHash));
      if (lastHash) expect(bytesToHex(res.accounts.at(-1)!.hash)).toBe(bytesToHex(lastHash));
      if (res.proof.length > 0) {
        await verifyRangeProof(r.root, r.origin, res.accounts.map((a) => a.hash), res.accounts.map((a) => encodeFullAccount(decodeSlimAccount(a.body))), res.proof);
      } else {
        expect(count).toBe(0);
      }
    });
  }

  it('clamps a byte limit above the soft response limit to it', async () => {
    // With 48 small accounts the whole state fits either way; the clamp shows in the size arithmetic.
    const res = await serveAccountRange(state, req({ root, bytes: 2n ** 63n }));
    expect(res.accounts.length).toBe(48);
  });
});

describe('serveStorageRanges', async () => {
  const state = await headState();
  const withStorage = state.allAccounts.filter((a) => !equalBytes(a.account.storageRoot, EMPTY_ROOT_HASH));
  const acct = withStorage[0]!;
  const slots = state.slotsOf(acct.hash);

  it('serves a whole small storage without proofs', async () => {
    const res = await serveStorageRanges(state, { requestId: 1n, root: state.root, accounts: [acct.hash], origin: new Uint8Array(0), limit: new Uint8Array(0), bytes: 500_000n });
    expect(res.slots).toHaveLength(1);
    expect(res.slots[0]!.map((s) => bytesToHex(s.hash))).toEqual(slots.map((s) => bytesToHex(s.hash)));
    expect(res.proof).toEqual([]);
    await verifyRangeProof(acct.account.storageRoot, ZERO, res.slots[0]!.map((s) => s.hash), res.slots[0]!.map((s) => s.body), []);
  });

  it('proves a range that starts past zero', async () => {
    const origin = hashAdd(slots[0]!.hash, 1n);
    const res = await serveStorageRanges(state, { requestId: 1n, root: state.root, accounts: [acct.hash], origin, limit: new Uint8Array(0), bytes: 500_000n });
    expect(res.proof.length).toBeGreaterThan(0);
    await verifyRangeProof(acct.account.storageRoot, origin, res.slots[0]!.map((s) => s.hash), res.slots[0]!.map((s) => s.body), res.proof);
  });

  it('serves every account with storage in one reply', async () => {
    const res = await serveStorageRanges(state, { requestId: 1n, root: state.root, accounts: withStorage.map((a) => a.hash), origin: new Uint8Array(0), limit: new Uint8Array(0), bytes: 2_000_000n });
    expect(res.slots.length).toBe(withStorage.length);
  });

  it('answers nothing for an unknown root', async () => {
    const res = await serveStorageRanges(state, { requestId: 1n, root: FF, accounts: [acct.hash], origin: new Uint8Array(0), limit: new Uint8Array(0), bytes: 500_000n });
    expect(res).toEqual({ requestId: 1n, slots: [], proof: [] });
  });
});

describe('serveByteCodes (geth snap-test GetByteCodes expectations)', async () => {
  const state = await headState();
  const all = [...new Set(state.allAccounts.map((a) => bytesToHex(a.account.codeHash)))].filter((h) => h !== bytesToHex(EMPTY_CODE_HASH)).map(hexToBytes);
  const codes = (hashes: Uint8Array[], bytes: bigint) => serveByteCodes(state, { requestId: 1n, hashes, bytes }).codes;

  it('answers state roots asked as code hashes with nothing', () => expect(codes([state.root, EMPTY_ROOT_HASH], 10_000n)).toEqual([]));
  it('answers the empty code hash with an empty code, each time', () => expect(codes([EMPTY_CODE_HASH, EMPTY_CODE_HASH, EMPTY_CODE_HASH], 10_000n)).toEqual([new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)]));
  it('serves every code, each hashing to its request', () => {
    const got = codes(all, 100_000n);
    expect(got.length).toBe(all.length);
    got.forEach((c, i) => expect(bytesToHex(keccak256(c))).toBe(bytesToHex(all[i]!)));
  });
  it('serves one code at a byte limit of 1 or 0', () => {
    expect(codes(all, 1n)).toHaveLength(1);
    expect(codes(all, 0n)).toHaveLength(1);
  });
  it('serves the same hash as often as asked', () => expect(codes([all[0]!, all[0]!, all[0]!, all[0]!], 10_000n)).toHaveLength(4));
  it(`looks up at most MAX_CODE_LOOKUPS (${MAX_CODE_LOOKUPS}) hashes`, () => {
    expect(codes(Array.from({ length: MAX_CODE_LOOKUPS + 10 }, () => EMPTY_CODE_HASH), BigInt(SNAP_SOFT_RESPONSE_LIMIT))).toHaveLength(MAX_CODE_LOOKUPS);
  });
});

describe('serveTrieNodes', async () => {
  const state = await headState();
  const nodes = async (paths: Uint8Array[][], bytes = 5000n) => (await serveTrieNodes(state, { requestId: 1n, root: state.root, paths, bytes })).nodes;

  it('answers an empty request with nothing', async () => expect(await nodes([])).toEqual([]));
  it('serves the root node at the empty path', async () => {
    const [root] = await nodes([[new Uint8Array(0)]]);
    expect(bytesToHex(keccak256(root!))).toBe(bytesToHex(state.root));
  });
  it('serves the root node at the compact empty path (0x00)', async () => {
    const [root] = await nodes([[nibblesToCompact([])]]);
    expect(bytesToHex(keccak256(root!))).toBe(bytesToHex(state.root));
  });
  it('answers a path too long for the trie with an empty node', async () => {
    const [n] = await nodes([[hexToBytes('01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff')]]);
    expect(n).toEqual(new Uint8Array(0));
  });
  it('serves child nodes that hash to the references in their parent', async () => {
    const got = await nodes(Array.from({ length: 16 }, (_, i) => [nibblesToCompact([i])]));
    expect(got.length).toBe(16);
    for (const n of got) if (n.length > 0) expect(n.length).toBeGreaterThanOrEqual(32);
  });
  it('serves the storage root node of an account', async () => {
    const acct = state.allAccounts.find((a) => !equalBytes(a.account.storageRoot, EMPTY_ROOT_HASH))!;
    const [n] = await nodes([[acct.hash, nibblesToCompact([])]]);
    expect(bytesToHex(keccak256(n!))).toBe(bytesToHex(acct.account.storageRoot));
  });
  it('refuses an empty path set as a bad request', async () => {
    await expect(nodes([[]])).rejects.toBeInstanceOf(SnapProtocolError);
  });
});

describe('serveAccessLists', () => {
  it('answers one empty string per unknown hash, positionally, until the byte limit', () => {
    const hashes = [FF, ZERO, FF];
    const none = { state: () => undefined, code: () => undefined };
    expect(serveAccessLists(none, { requestId: 1n, hashes, bytes: 100n }).accessLists).toEqual(hashes.map(() => Uint8Array.of(0x80)));
    expect(serveAccessLists(none, { requestId: 1n, hashes, bytes: 0n }).accessLists).toHaveLength(1);
  });
});
