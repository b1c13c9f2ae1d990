/**
 * What keeps the eth decoders' memory and CPU proportional to the message: transactions kept
 * as views with a hash computed on first use, one shared frozen array for every empty list,
 * element counts checked before anything is built, and error paths built only for errors.
 * The memory bound itself is measured in test/fuzz/allocation.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/common/errors.js';
import { keccak256 } from '../../src/crypto/keccak.js';
import { decodeBlockBodies } from '../../src/eth/messages/bodies.js';
import { decodeEthMessage, peekResponse } from '../../src/eth/messages/index.js';
import { decodePooledTransactions } from '../../src/eth/messages/pooled-transactions.js';
import { decodeReceipts69 } from '../../src/eth/messages/receipts.js';
import { decodeTransactions, encodeTransactions } from '../../src/eth/messages/transactions.js';
import { encBytes, encList } from '../../src/common/rlp-encode.js';
import { EthMessageCode, MAX_MESSAGE_SIZE } from '../../src/eth/protocol.js';
import { EMPTY_LIST, RlpReader } from '../../src/common/rlp-reader.js';
import { encodeTransactionItem, MAX_TRANSACTIONS_PER_MESSAGE, transactionFromRaw } from '../../src/chain/transaction.js';

const legacyRaw = encList([1, 2, 3, 4, 5, 6, 7, 8, 9].map((b) => encBytes(Uint8Array.of(b))));
const typedRaw = Uint8Array.of(2, ...encList([encBytes(new Uint8Array(20).fill(7)), encBytes(Uint8Array.of(1))]));
const tinyRaw = Uint8Array.of(2, 0);

function thrown(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return err as DecodeError;
  }
  throw new Error('expected a DecodeError');
}

describe('decoded transactions', () => {
  it('keep their bytes as views into the message, legacy, typed and tiny alike', () => {
    const data = encodeTransactions([legacyRaw, typedRaw, tinyRaw].map(transactionFromRaw));
    const txs = decodeTransactions(data);
    expect(txs.map((t) => t.type)).toEqual([0, 2, 2]);
    expect(txs.map((t) => [...t.raw])).toEqual([[...legacyRaw], [...typedRaw], [...tinyRaw]]);
    for (const tx of txs) expect(tx.raw.buffer).toBe(data.buffer);
  });

  it('hash on first use, then return the same hash', () => {
    const [legacy, typed, tiny] = decodeTransactions(encodeTransactions([legacyRaw, typedRaw, tinyRaw].map(transactionFromRaw)));
    for (const [tx, raw] of [
      [legacy!, legacyRaw],
      [typed!, typedRaw],
      [tiny!, tinyRaw],
    ] as const) {
      expect(tx.hash).toEqual(keccak256(raw));
      expect(tx.hash).toBe(tx.hash);
      expect(tx.raw).toBe(tx.raw);
    }
  });

  it('compare deeply equal to the same transaction built from its bytes, and unequal to another', () => {
    const txs = decodeTransactions(encodeTransactions([legacyRaw, typedRaw].map(transactionFromRaw)));
    expect(txs).toEqual([transactionFromRaw(legacyRaw), transactionFromRaw(typedRaw)]);
    const other = typedRaw.slice();
    other[other.length - 1] ^= 1;
    expect(txs[1]).not.toEqual(transactionFromRaw(other));
    // The hash is a function of the bytes: having read it on one side changes nothing.
    void txs[0]!.hash;
    expect(txs[0]).toEqual(transactionFromRaw(legacyRaw));
  });

  it('re-encode to the bytes they were decoded from', () => {
    const data = encodeTransactions([legacyRaw, typedRaw, tinyRaw].map(transactionFromRaw));
    expect(encList(decodeTransactions(data).map(encodeTransactionItem))).toEqual(data);
  });

  it('built by transactionFromRaw keep a copy, not the caller buffer', () => {
    const input = typedRaw.slice();
    const tx = transactionFromRaw(input);
    input.fill(0);
    expect(tx.raw).toEqual(typedRaw);
    expect(tx.raw.buffer).not.toBe(input.buffer);
    expect(tx.hash).toEqual(keccak256(typedRaw));
  });

  it('are checked as strictly as before: nine byte strings for legacy, a valid envelope for typed', () => {
    const eight = encList([1, 2, 3, 4, 5, 6, 7, 8].map((b) => encBytes(Uint8Array.of(b))));
    expect(thrown(() => decodeTransactions(encList([legacyRaw, eight]))).field).toBe('[1][8]');
    const nested = encList([...[1, 2, 3, 4, 5, 6, 7, 8].map((b) => encBytes(Uint8Array.of(b))), encList([])]);
    expect(thrown(() => decodeTransactions(encList([nested]))).message).toMatch(/\[0\]\[8\]: expected a byte string/);
    const ten = encList([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((b) => encBytes(Uint8Array.of(b))));
    expect(thrown(() => decodeTransactions(encList([ten]))).message).toMatch(/\[0\]: unexpected extra elements/);
    expect(thrown(() => decodeTransactions(encList([encBytes(Uint8Array.of(2))]))).message).toMatch(/\[0\]: typed transaction too short/);
    expect(thrown(() => decodeTransactions(encList([encBytes(Uint8Array.of(0x80, 1))]))).message).toMatch(/invalid transaction type 0x80/);
    const bad = thrown(() => decodePooledTransactions(encList([encBytes(Uint8Array.of(7)), encList([encBytes(tinyRaw), encBytes(Uint8Array.of(0, 1))])])));
    expect([bad.what, bad.field]).toEqual(['PooledTransactions', 'transactions[1]']);
  });
});

describe('Transactions count limit', () => {
  const tx = encBytes(tinyRaw);

  it(`decodes ${MAX_TRANSACTIONS_PER_MESSAGE} transactions and refuses one more, naming the message`, () => {
    expect(decodeTransactions(encList(Array.from({ length: MAX_TRANSACTIONS_PER_MESSAGE }, () => tx)))).toHaveLength(MAX_TRANSACTIONS_PER_MESSAGE);
    const err = thrown(() => decodeTransactions(encList(Array.from({ length: MAX_TRANSACTIONS_PER_MESSAGE + 1 }, () => tx))));
    expect([err.what, err.field]).toEqual(['Transactions', 'message']);
    expect(err.message).toMatch(/5001 elements exceed the limit of 5000/);
  });

  it('applies to Transactions only: PooledTransactions answers a request, whatever its size', () => {
    const many = encList([encBytes(Uint8Array.of(9)), encList(Array.from({ length: MAX_TRANSACTIONS_PER_MESSAGE + 1 }, () => tx))]);
    expect(decodePooledTransactions(many).transactions).toHaveLength(MAX_TRANSACTIONS_PER_MESSAGE + 1);
  });
});

describe('empty lists', () => {
  it('decode to one shared frozen array, in bodies and receipts alike', () => {
    const bodies = decodeBlockBodies(encList([encBytes(Uint8Array.of(1)), encList([encList([encList([]), encList([])]), encList([encList([]), encList([]), encList([])])])])).bodies;
    expect(bodies[0]).toEqual({ transactions: [], uncles: [] });
    expect(bodies[1]).toEqual({ transactions: [], uncles: [], withdrawals: [] });
    expect(bodies[0]!.transactions).toBe(EMPTY_LIST);
    expect(bodies[1]!.withdrawals).toBe(EMPTY_LIST);
    const receipts = decodeReceipts69(encList([encBytes(Uint8Array.of(1)), encList([encList([]), encList([encList([Uint8Array.of(0x80), Uint8Array.of(0x80), Uint8Array.of(0x80), encList([])])])])])).receipts;
    expect(receipts[0]).toBe(EMPTY_LIST);
    expect(receipts[1]![0]!.logs).toBe(EMPTY_LIST);
    expect(Object.isFrozen(EMPTY_LIST)).toBe(true);
    expect(() => (bodies[0]!.transactions as unknown[]).push(1)).toThrow(TypeError);
    expect(EMPTY_LIST).toHaveLength(0);
  });

  it('and non-empty lists are arrays of their own', () => {
    const one = encList([encList([encBytes(tinyRaw)]), encList([])]);
    const bodies = decodeBlockBodies(encList([encBytes(Uint8Array.of(1)), encList([one, one])])).bodies;
    expect(bodies[0]!.transactions).not.toBe(bodies[1]!.transactions);
    expect(bodies[0]!.transactions).toHaveLength(1);
  });
});

describe('RlpReader for long lists', () => {
  const list = (items: Uint8Array[]) => RlpReader.over(encList(items), 'Test').list('items');

  it('counts elements without moving, checking every header', () => {
    const r = list([Uint8Array.of(1), encBytes(new Uint8Array(3)), encList([])]);
    expect(r.count()).toBe(3);
    expect(r.count()).toBe(3);
    expect(r.skip(0)).toBe(false);
    expect(r.count()).toBe(2);
    // The third element claims more bytes than are left.
    const broken = RlpReader.over(Uint8Array.of(0xc4, 0x01, 0x02, 0x83, 0x00), 'Test').list('items');
    expect(thrown(() => broken.count()).field).toBe('items[2]');
  });

  it('refuses a list over its limit before reading any element', () => {
    let reads = 0;
    const r = list([Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)]);
    const err = thrown(() => r.items(() => ++reads, 2));
    expect(err.message).toMatch(/items: 3 elements exceed the limit of 2/);
    expect(reads).toBe(0);
    expect(list([Uint8Array.of(1), Uint8Array.of(2)]).items((e, i) => (e.skipBytes(i), i), 2)).toEqual([0, 1]);
  });

  it('reads the next list with listItems, sharing EMPTY_LIST for an empty one', () => {
    const r = list([encList([]), encList([Uint8Array.of(5)]), Uint8Array.of(1)]);
    expect(r.listItems(0, () => 1)).toBe(EMPTY_LIST);
    expect(r.listItems(1, (e, i) => e.uint32(`[${i}]`))).toEqual([5]);
    expect(thrown(() => r.listItems(2, () => 1)).message).toMatch(/items\[2\]: expected a list/);
  });

  it('reports where skipped elements lie in the buffer', () => {
    const data = encList([encBytes(new Uint8Array(60).fill(9)), encList([Uint8Array.of(1)])]);
    const r = RlpReader.over(data, 'Test').list('items');
    expect(r.buffer).toBe(data);
    expect(r.skip(0)).toBe(false);
    expect([r.spanStart, r.spanPayload, r.spanEnd]).toEqual([2, 4, 64]);
    expect(r.skip(1)).toBe(true);
    expect([r.spanStart, r.spanPayload, r.spanEnd]).toEqual([64, 65, 66]);
    expect(thrown(() => RlpReader.over(encList([encList([])]), 'Test').list('items').skipBytes(0)).message).toMatch(/items\[0\]: expected a byte string/);
  });

  it('names the full path of a deep error although no path is built on success', () => {
    const log = encList([encBytes(new Uint8Array(19)), encList([]), encBytes(new Uint8Array())]);
    const receipt = encList([Uint8Array.of(0x80), Uint8Array.of(0x80), Uint8Array.of(0x80), encList([log])]);
    const good = encList([Uint8Array.of(0x80), Uint8Array.of(0x80), Uint8Array.of(0x80), encList([])]);
    const err = thrown(() => decodeReceipts69(encList([encBytes(Uint8Array.of(1)), encList([encList([good]), encList([good, receipt])])])));
    expect(err.field).toBe('receipts[1][1].logs[0].address');
    const body = encList([encList([encBytes(tinyRaw), encBytes(Uint8Array.of(2))]), encList([])]);
    const bodyErr = thrown(() => decodeBlockBodies(encList([encBytes(Uint8Array.of(1)), encList([encList([encList([]), encList([])]), body])])));
    expect(bodyErr.field).toBe('bodies[1].transactions[1]');
  });
});

describe('peekResponse', () => {
  const id = encBytes(Uint8Array.of(0x42));
  const emptyBody = encList([encList([]), encList([])]);

  it('reads the request ID and item count of every response, agreeing with the full decoder', () => {
    const bodies = encList([id, encList([emptyBody, emptyBody, emptyBody])]);
    expect(peekResponse(69, EthMessageCode.BlockBodies, bodies)).toEqual({ requestId: 0x42n, items: 3 });
    expect(decodeBlockBodies(bodies).bodies).toHaveLength(3);
    expect(peekResponse(68, EthMessageCode.BlockHeaders, encList([id, encList([])]))).toEqual({ requestId: 0x42n, items: 0 });
    expect(peekResponse(69, EthMessageCode.PooledTransactions, encList([id, encList([encBytes(tinyRaw), legacyRaw])]))).toEqual({ requestId: 0x42n, items: 2 });
    expect(peekResponse(69, EthMessageCode.Receipts, encList([id, encList([encList([]), encList([])])]))).toEqual({ requestId: 0x42n, items: 2 });
    expect(peekResponse(70, EthMessageCode.Receipts, encList([id, Uint8Array.of(1), encList([encList([])])]))).toEqual({ requestId: 0x42n, items: 1 });
  });

  it('counts without reading the items: a malformed item is left to the decoder', () => {
    const data = encList([id, encList([encBytes(Uint8Array.of(2)), encList([])])]);
    expect(peekResponse(69, EthMessageCode.PooledTransactions, data).items).toBe(2);
    expect(() => decodeEthMessage(69, EthMessageCode.PooledTransactions, data)).toThrow(DecodeError);
  });

  it('refuses malformed framing, oversized messages and codes that are not responses', () => {
    const framing = thrown(() => peekResponse(69, EthMessageCode.BlockBodies, encList([id, encBytes(Uint8Array.of(1, 2))])));
    expect([framing.what, framing.field]).toEqual(['BlockBodies', 'bodies']);
    const extra = thrown(() => peekResponse(69, EthMessageCode.BlockBodies, encList([id, encList([]), encList([])])));
    expect(extra.message).toMatch(/unexpected extra elements/);
    const flag = thrown(() => peekResponse(70, EthMessageCode.Receipts, encList([id, Uint8Array.of(2), encList([])])));
    expect([flag.what, flag.field]).toEqual(['eth/70 Receipts', 'lastBlockIncomplete']);
    const huge = new Uint8Array(MAX_MESSAGE_SIZE + 1);
    expect(thrown(() => peekResponse(69, EthMessageCode.BlockBodies, huge)).field).toBe('size');
    expect(() => peekResponse(69, EthMessageCode.GetBlockBodies, encList([id, encList([])]))).toThrow(RangeError);
    expect(() => peekResponse(69, 0x30, encList([id, encList([])]))).toThrow(RangeError);
  });
});
