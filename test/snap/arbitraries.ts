/** fast-check generators for every snap message, shared by the property tests and the fuzz registry. */
import fc from 'fast-check';
import { encodeSlimAccount } from '../../src/snap/account.js';
import { compareBytes } from '../../src/snap/bytes-order.js';
import type { SnapMessages } from '../../src/snap/messages/index.js';
import type { SnapMessageName } from '../../src/snap/protocol.js';
import { anyBytes, hash, u256, u64 } from '../eth/arbitraries.js';

const small = <T>(a: fc.Arbitrary<T>, max = 4) => fc.array(a, { maxLength: max });
/** Distinct hashes in ascending order (the order range replies must keep). */
const sortedHashes = (max = 4) => fc.uniqueArray(hash, { maxLength: max, selector: (h) => Buffer.from(h).toString('hex') }).map((hs) => hs.sort(compareBytes));
const slimBody = fc.record({ nonce: u64, balance: u256, storageRoot: hash, codeHash: hash }).map(encodeSlimAccount);
const bound = fc.uint8Array({ maxLength: 32 });

export const SNAP_MESSAGE_ARBS: { [K in SnapMessageName]: fc.Arbitrary<SnapMessages[K]> } = {
  GetAccountRange: fc.record({ requestId: u64, root: hash, origin: hash, limit: hash, bytes: u64 }),
  AccountRange: fc.record({
    requestId: u64,
    accounts: sortedHashes().chain((hs) => fc.tuple(...hs.map((h) => slimBody.map((body) => ({ hash: h, body }))))),
    proof: small(anyBytes(80)),
  }),
  GetStorageRanges: fc.record({ requestId: u64, root: hash, accounts: small(hash), origin: bound, limit: bound, bytes: u64 }),
  StorageRanges: fc.record({
    requestId: u64,
    slots: small(sortedHashes().chain((hs) => fc.tuple(...hs.map((h) => anyBytes(33).map((body) => ({ hash: h, body })))))),
    proof: small(anyBytes(80)),
  }),
  GetByteCodes: fc.record({ requestId: u64, hashes: small(hash), bytes: u64 }),
  ByteCodes: fc.record({ requestId: u64, codes: small(anyBytes(100)) }),
  GetTrieNodes: fc.record({ requestId: u64, root: hash, paths: small(small(anyBytes(33), 3)), bytes: u64 }),
  TrieNodes: fc.record({ requestId: u64, nodes: small(anyBytes(100)) }),
  GetAccessLists: fc.record({ requestId: u64, hashes: small(hash), bytes: u64 }),
  AccessLists: fc.record({ requestId: u64, accessLists: small(fc.oneof(fc.constant(Uint8Array.of(0x80)), fc.constant(Uint8Array.of(0xc0)), fc.constant(Uint8Array.of(0xc2, 0x01, 0x02)))) }),
};
