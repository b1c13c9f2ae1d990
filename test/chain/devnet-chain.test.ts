import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes } from '../../src/common/bytes.js';
import { rlpDecode, rlpEncode } from '../../src/common/rlp.js';
import { asBytes, asList } from '../support/rlp-tree.js';
import { keccak256 } from '../../src/crypto/keccak.js';
import { publicKeyOf, recoverPublicKey } from '../../src/crypto/secp256k1.js';
import { encodeBodyItem, readBody } from '../../src/chain/block.js';
import { MemoryChain, ChainError } from '../../src/chain/chain.js';
import { networkForkId } from '../../src/chain/chain-config.js';
import { EMPTY_UNCLE_HASH, generateDevnetChain, nextBaseFee } from '../../src/chain/devnet-chain.js';
import { receiptsRoot, transactionsRoot, withdrawalsRoot } from '../../src/chain/block-roots.js';
import { decodeHeader } from '../../src/chain/header.js';
import { RlpReader } from '../../src/common/rlp-reader.js';
import { MAX_HEADERS_SERVE, serveBlockBodies, serveBlockHeaders, servePooledTransactions, serveReceipts, serveReceipts70 } from '../../src/eth/serve.js';
import { MemoryTxPool } from '../../src/chain/chain.js';

const dev = generateDevnetChain({ length: 40 });
const { chain, blocks } = dev;
const MAX_U64 = (1n << 64n) - 1n;
const nums = (hs: { number: bigint }[]) => hs.map((h) => Number(h.number));

describe('devnet chain generator', () => {
  it('is deterministic', () => {
    const again = generateDevnetChain({ length: 40 });
    expect(again.blocks.map((b) => bytesToHex(b.header.hash))).toEqual(blocks.map((b) => bytesToHex(b.header.hash)));
    expect(generateDevnetChain({ length: 40, seed: 'other' }).network.genesisHash).not.toEqual(dev.network.genesisHash);
  });

  it('links every header to its parent by hash, with post-merge and Prague fields', () => {
    expect(blocks).toHaveLength(41);
    expect(chain.head().number).toBe(40n);
    blocks.forEach((b, i) => {
      const h = b.header;
      expect(h.number).toBe(BigInt(i));
      if (i > 0) {
        expect(h.parentHash).toEqual(blocks[i - 1]!.header.hash);
        expect(h.time).toBeGreaterThan(blocks[i - 1]!.header.time);
        expect(h.baseFee).toBe(nextBaseFee(blocks[i - 1]!.header));
      }
      expect(h.difficulty).toBe(0n);
      expect(h.nonce).toEqual(new Uint8Array(8));
      expect(h.uncleHash).toEqual(EMPTY_UNCLE_HASH);
      expect(h.withdrawalsRoot).toBeDefined();
      expect(h.blobGasUsed).toBe(0n);
      expect(h.excessBlobGas).toBe(0n);
      expect(h.parentBeaconRoot).toBeDefined();
      expect(bytesToHex(h.requestsHash!)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      // The header re-decodes from its bytes to the same hash.
      expect(decodeHeader(h.raw).hash).toEqual(h.hash);
    });
    expect(dev.network.genesisHash).toEqual(blocks[0]!.header.hash);
  });

  it('commits to its bodies and receipts: roots, gas used', () => {
    for (const b of blocks) {
      expect(b.header.txRoot).toEqual(transactionsRoot(b.body.transactions));
      expect(b.header.withdrawalsRoot).toEqual(withdrawalsRoot(b.body.withdrawals!));
      expect(b.header.receiptRoot).toEqual(receiptsRoot(b.receipts));
      expect(b.receipts).toHaveLength(b.body.transactions.length);
      expect(b.header.gasUsed).toBe(21_000n * BigInt(b.body.transactions.length));
      // Bodies round-trip through the wire encoding.
      const enc = encodeBodyItem(b.body);
      expect(encodeBodyItem(readBody(RlpReader.over(enc, 'test'), 'body'))).toEqual(enc);
    }
    const withTxs = blocks.filter((b) => b.body.transactions.length > 0);
    const types = new Set(withTxs.flatMap((b) => b.body.transactions.map((t) => t.type)));
    expect(withTxs.length).toBeGreaterThan(10);
    expect(types).toEqual(new Set([0, 2]));
    expect(blocks.filter((b) => b.body.withdrawals!.length > 0).length).toBeGreaterThan(5);
  });

  it('signs transactions so the sender recovers (EIP-155 legacy and EIP-1559)', () => {
    const sender = publicKeyOf(dev.senderKey);
    const txs = blocks.flatMap((b) => b.body.transactions);
    const legacy = txs.find((t) => t.type === 0)!;
    const l = asList(rlpDecode(legacy.raw, 'tx'), 'tx', 'tx');
    const v = BigInt('0x' + (bytesToHex(asBytes(l[6], 'tx', 'v')) || '0'));
    const chainId = dev.network.networkId;
    const sigHash = keccak256(rlpEncode([...l.slice(0, 6), chainId, 0n, 0n] as Uint8Array[]));
    const pad = (b: Uint8Array) => concatBytes(new Uint8Array(32 - b.length), b);
    const sig = concatBytes(pad(asBytes(l[7], 'tx', 'r')), pad(asBytes(l[8], 'tx', 's')), Uint8Array.of(Number(v - chainId * 2n - 35n)));
    expect(recoverPublicKey(sigHash, sig)).toEqual(sender);

    const typed = txs.find((t) => t.type === 2)!;
    const f = asList(rlpDecode(typed.raw.subarray(1), 'tx'), 'tx', 'tx');
    const digest = keccak256(concatBytes(Uint8Array.of(2), rlpEncode(f.slice(0, 9) as Uint8Array[])));
    const yParity = asBytes(f[9], 'tx', 'y').length === 0 ? 0 : 1;
    const sig2 = concatBytes(pad(asBytes(f[10], 'tx', 'r')), pad(asBytes(f[11], 'tx', 's')), Uint8Array.of(yParity));
    expect(recoverPublicKey(digest, sig2)).toEqual(sender);
  });

  it('has a fork ID that counts only forks after genesis', () => {
    const plain = networkForkId(dev.network, 40n, blocks[40]!.header.time);
    expect(plain.next).toBe(0n);
    const later = generateDevnetChain({ length: 40, timeForks: [{ name: 'osakaTime', time: 1_700_000_000n + 120n }] });
    expect(networkForkId(later.network, 5n, later.blocks[5]!.header.time).next).toBe(1_700_000_120n);
  });

  it('MemoryChain refuses a block that does not extend the head', () => {
    expect(() => new MemoryChain([blocks[0]!, blocks[2]!])).toThrow(ChainError);
    const c = new MemoryChain(blocks.slice(0, 3));
    expect(() => c.append(blocks[2]!)).toThrow(ChainError);
    c.append(blocks[3]!);
    expect(c.head().number).toBe(3n);
  });
});

describe('serving from a chain', () => {
  const hashOf = (n: number) => blocks[n]!.header.hash;

  it('headers by number: contiguous, skip, reverse, clipped at head and genesis', () => {
    expect(nums(serveBlockHeaders(chain, { origin: { number: 5n }, amount: 3n, skip: 0n, reverse: false }))).toEqual([5, 6, 7]);
    expect(nums(serveBlockHeaders(chain, { origin: { number: 5n }, amount: 3n, skip: 2n, reverse: false }))).toEqual([5, 8, 11]);
    expect(nums(serveBlockHeaders(chain, { origin: { number: 5n }, amount: 3n, skip: 1n, reverse: true }))).toEqual([5, 3, 1]);
    expect(nums(serveBlockHeaders(chain, { origin: { number: 38n }, amount: 10n, skip: 0n, reverse: false }))).toEqual([38, 39, 40]);
    expect(nums(serveBlockHeaders(chain, { origin: { number: 2n }, amount: 10n, skip: 0n, reverse: true }))).toEqual([2, 1, 0]);
    expect(serveBlockHeaders(chain, { origin: { number: 5n }, amount: 0n, skip: 0n, reverse: false })).toEqual([]);
  });

  it('headers by hash (geth GetBlockHeaders test: hash of block 1, amount 2, skip 1)', () => {
    expect(nums(serveBlockHeaders(chain, { origin: { hash: hashOf(1) }, amount: 2n, skip: 1n, reverse: false }))).toEqual([1, 3]);
    expect(nums(serveBlockHeaders(chain, { origin: { hash: hashOf(10) }, amount: 4n, skip: 2n, reverse: true }))).toEqual([10, 7, 4, 1]);
  });

  it('an unknown origin or a skip that overflows uint64 gives an empty or short list', () => {
    expect(serveBlockHeaders(chain, { origin: { number: MAX_U64 }, amount: 1n, skip: 0n, reverse: false })).toEqual([]);
    expect(serveBlockHeaders(chain, { origin: { hash: new Uint8Array(32).fill(1) }, amount: 5n, skip: 0n, reverse: false })).toEqual([]);
    expect(nums(serveBlockHeaders(chain, { origin: { number: 3n }, amount: 5n, skip: MAX_U64, reverse: false }))).toEqual([3]);
  });

  it('at most maxHeadersServe headers, and stops past the soft size limit', () => {
    const long = generateDevnetChain({ length: 1100 }).chain;
    expect(serveBlockHeaders(long, { origin: { number: 0n }, amount: 5000n, skip: 0n, reverse: false })).toHaveLength(MAX_HEADERS_SERVE);
    // geth checks the limit before each header, so the header that crosses it is still sent.
    const firstThree = blocks.slice(0, 3).reduce((n, b) => n + b.header.raw.length, 0);
    expect(serveBlockHeaders(chain, { origin: { number: 0n }, amount: 100n, skip: 0n, reverse: false }, { softResponseLimit: firstThree - 1 })).toHaveLength(3);
  });

  it('bodies and receipts in request order, unknown hashes left out, pruned history not served', () => {
    const unknown = new Uint8Array(32).fill(0xee);
    const bodies = serveBlockBodies(chain, [hashOf(4), unknown, hashOf(2)]);
    expect(bodies).toEqual([blocks[4]!.body, blocks[2]!.body]);
    expect(serveReceipts(chain, [hashOf(4), unknown, hashOf(3)])).toEqual([blocks[4]!.receipts, []]);
    const pruned = new MemoryChain(blocks);
    pruned.setEarliest(10n);
    expect(pruned.earliest()).toBe(10n);
    expect(serveBlockBodies(pruned, [hashOf(4), hashOf(12)])).toEqual([blocks[12]!.body]);
    expect(nums(serveBlockHeaders(pruned, { origin: { number: 4n }, amount: 1n, skip: 0n, reverse: false }))).toEqual([4]);
  });

  it('eth/70 receipts: starts at firstBlockReceiptIndex and pages inside a block at the size limit', () => {
    const b4 = blocks[4]!; // three transactions
    expect(b4.receipts).toHaveLength(3);
    expect(serveReceipts70(chain, [b4.header.hash, hashOf(5)], 1n)).toEqual({ receipts: [b4.receipts.slice(1), blocks[5]!.receipts], lastBlockIncomplete: false });
    const page = serveReceipts70(chain, [b4.header.hash, hashOf(5)], 0n, { softResponseLimit: 1 });
    expect(page).toEqual({ receipts: [b4.receipts.slice(0, 1)], lastBlockIncomplete: true });
    const rest = serveReceipts70(chain, [b4.header.hash], 3n);
    expect(rest).toEqual({ receipts: [[]], lastBlockIncomplete: false });
  });

  it('pooled transactions only from a given source', () => {
    const tx = blocks[1]!.body.transactions[0]!;
    expect(servePooledTransactions(undefined, [tx.hash])).toEqual([]);
    expect(servePooledTransactions(new MemoryTxPool([tx]), [new Uint8Array(32), tx.hash])).toEqual([tx]);
  });
});
