import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes, uintToBytes } from '../../src/common/bytes.js';
import { DecodeError } from '../../src/common/errors.js';
import { rlpEncode } from '../../src/common/rlp.js';
import { keccak256 } from '../../src/crypto/keccak.js';
import { makeHeader } from '../../src/chain/header.js';
import { decodeBlockRangeUpdate, encodeBlockRangeUpdate, isValidBlockRange } from '../../src/eth/messages/block-range-update.js';
import { decodeGetBlockHeaders, encodeGetBlockHeaders } from '../../src/eth/messages/headers.js';
import { decodeEthMessage, encodeEthMessage, ETH_CODECS, type EthMessage } from '../../src/eth/messages/index.js';
import { decodeNewBlockHashes, encodeNewBlockHashes } from '../../src/eth/messages/new-block-hashes.js';
import { decodeNewPooledTransactionHashes, encodeNewPooledTransactionHashes } from '../../src/eth/messages/pooled-transactions.js';
import {
  decodeGetReceipts70,
  decodeReceipts68,
  decodeReceipts69,
  decodeReceipts70,
  encodeGetReceipts70,
  encodeReceipts68,
  encodeReceipts69,
  encodeReceipts70,
} from '../../src/eth/messages/receipts.js';
import { decodeStatus68, decodeStatus69, encodeStatus68, encodeStatus69, type Status68, type Status69 } from '../../src/eth/messages/status.js';
import { decodeTransactions, encodeTransactions } from '../../src/eth/messages/transactions.js';
import {
  ETH_PROTOCOL_LENGTHS,
  ETH_VERSIONS,
  EthMessageCode,
  isValidMessageCode,
  MAX_MESSAGE_SIZE,
  messageNameForCode,
  validMessageCodes,
  type EthVersion,
} from '../../src/eth/protocol.js';
import type { Receipt68, Receipt69 } from '../../src/chain/receipt.js';
import { encBytes, encList, encUint } from '../../src/common/rlp-encode.js';
import { transactionFromRaw } from '../../src/chain/transaction.js';

const h32 = (b: number) => new Uint8Array(32).fill(b);
const FORK_ID = { hash: hexToBytes('9f3d2254'), next: 1746612311n };
const legacyTx = transactionFromRaw(rlpEncode([1n, 2n, 21000n, new Uint8Array(20).fill(0x35), 10n, new Uint8Array(), 37n, 5n, 6n]));
const typedTx = transactionFromRaw(concatBytes(Uint8Array.of(2), rlpEncode([1n, 0n, 1n, 2n, 21000n, new Uint8Array(20), 0n, new Uint8Array(), [], 0n, 1n, 2n])));
const header = makeHeader({
  parentHash: h32(1),
  uncleHash: h32(2),
  coinbase: new Uint8Array(20),
  stateRoot: h32(3),
  txRoot: h32(4),
  receiptRoot: h32(5),
  bloom: new Uint8Array(256),
  difficulty: 0n,
  number: 100n,
  gasLimit: 30_000_000n,
  gasUsed: 21_000n,
  time: 1_700_000_000n,
  extra: new Uint8Array(),
  mixDigest: h32(6),
  nonce: new Uint8Array(8),
  baseFee: 7n,
  withdrawalsRoot: h32(7),
});
const log = { address: new Uint8Array(20).fill(0x11), topics: [h32(0xde)], data: Uint8Array.of(1, 2) };
const r68legacy: Receipt68 = { type: 0, outcome: 1, cumulativeGasUsed: 21000n, bloom: new Uint8Array(256), logs: [log] };
const r68typed: Receipt68 = { ...r68legacy, type: 2, outcome: 0 };
const r69: Receipt69 = { type: 2, outcome: 1, cumulativeGasUsed: 555n, logs: [log] };

/** One hand-written value per message of each version. */
const EXAMPLES: { [V in EthVersion]: EthMessage<V>[] } = (() => {
  const common = [
    { name: 'Transactions', value: [legacyTx, typedTx] },
    { name: 'GetBlockHeaders', value: { requestId: 1n, origin: { number: 100n }, amount: 192n, skip: 0n, reverse: false } },
    { name: 'GetBlockHeaders', value: { requestId: 2n, origin: { hash: header.hash }, amount: 1n, skip: 5n, reverse: true } },
    { name: 'BlockHeaders', value: { requestId: 3n, headers: [header, header] } },
    { name: 'GetBlockBodies', value: { requestId: 4n, hashes: [header.hash] } },
    {
      name: 'BlockBodies',
      value: {
        requestId: 5n,
        bodies: [
          { transactions: [legacyTx, typedTx], uncles: [], withdrawals: [{ index: 1n, validatorIndex: 2n, address: new Uint8Array(20).fill(9), amount: 32_000_000_000n }] },
          { transactions: [], uncles: [header] },
        ],
      },
    },
    { name: 'NewPooledTransactionHashes', value: { types: Uint8Array.of(0, 2), sizes: [legacyTx.raw.length, typedTx.raw.length], hashes: [legacyTx.hash, typedTx.hash] } },
    { name: 'GetPooledTransactions', value: { requestId: 6n, hashes: [typedTx.hash] } },
    { name: 'PooledTransactions', value: { requestId: 7n, transactions: [typedTx] } },
  ] as const;
  const range = { earliestBlock: 0n, latestBlock: 100n, latestBlockHash: header.hash };
  const status69 = (version: number) => ({ version, networkId: 1n, genesis: h32(0xd4), forkId: FORK_ID, ...range });
  return {
    68: [
      ...common,
      { name: 'Status', value: { version: 68, networkId: 1n, td: 58_750_003_716_598_352_816_469n, head: header.hash, genesis: h32(0xd4), forkId: FORK_ID } },
      { name: 'NewBlockHashes', value: [{ hash: header.hash, number: 100n }] },
      { name: 'NewBlock', value: { block: { header, transactions: [typedTx], uncles: [], withdrawals: [] }, td: 1n } },
      { name: 'GetReceipts', value: { requestId: 8n, hashes: [header.hash] } },
      { name: 'Receipts', value: { requestId: 9n, receipts: [[r68legacy, r68typed], []] } },
    ] as EthMessage<68>[],
    69: [
      ...common,
      { name: 'Status', value: status69(69) },
      { name: 'GetReceipts', value: { requestId: 8n, hashes: [header.hash] } },
      { name: 'Receipts', value: { requestId: 9n, receipts: [[r69], []] } },
      { name: 'BlockRangeUpdate', value: range },
    ] as EthMessage<69>[],
    70: [
      ...common,
      { name: 'Status', value: status69(70) },
      { name: 'GetReceipts', value: { requestId: 8n, firstBlockReceiptIndex: 3n, hashes: [header.hash] } },
      { name: 'Receipts', value: { requestId: 9n, lastBlockIncomplete: true, receipts: [[r69]] } },
      { name: 'BlockRangeUpdate', value: range },
    ] as EthMessage<70>[],
    71: [
      ...common,
      { name: 'Status', value: status69(71) },
      { name: 'GetReceipts', value: { requestId: 8n, firstBlockReceiptIndex: 3n, hashes: [header.hash] } },
      { name: 'Receipts', value: { requestId: 9n, lastBlockIncomplete: false, receipts: [[r69]] } },
      { name: 'BlockRangeUpdate', value: range },
      { name: 'GetBlockAccessLists', value: { requestId: 10n, hashes: [header.hash, h32(1)] } },
      { name: 'BlockAccessLists', value: { requestId: 11n, accessLists: [Uint8Array.of(0xc0), Uint8Array.of(0x80)] } },
    ] as EthMessage<71>[],
    72: [
      ...common.filter((m) => m.name !== 'NewPooledTransactionHashes'),
      { name: 'NewPooledTransactionHashes', value: { types: Uint8Array.of(3), sizes: [typedTx.raw.length], hashes: [typedTx.hash], mask: new Uint8Array(16).fill(0xf0) } },
      { name: 'Status', value: status69(72) },
      { name: 'GetReceipts', value: { requestId: 8n, firstBlockReceiptIndex: 0n, hashes: [header.hash] } },
      { name: 'Receipts', value: { requestId: 9n, lastBlockIncomplete: false, receipts: [[r69]] } },
      { name: 'BlockRangeUpdate', value: range },
      { name: 'GetBlockAccessLists', value: { requestId: 10n, hashes: [] } },
      { name: 'BlockAccessLists', value: { requestId: 11n, accessLists: [] } },
      { name: 'GetCells', value: { requestId: 12n, hashes: [typedTx.hash], mask: new Uint8Array(16).fill(1) } },
      { name: 'Cells', value: { requestId: 13n, hashes: [typedTx.hash], cells: [[new Uint8Array(2048).fill(7)]], mask: new Uint8Array(16).fill(1) } },
    ] as EthMessage<72>[],
  };
})();

describe('message codes and protocol lengths', () => {
  it('reserve 17 codes in eth/68, 18 in eth/69 and eth/70, 20 in eth/71, 22 in eth/72 (geth protocolLengths)', () => {
    expect(ETH_PROTOCOL_LENGTHS).toEqual({ 68: 17, 69: 18, 70: 18, 71: 20, 72: 22 });
  });

  it('list the codes each version defines', () => {
    expect(validMessageCodes(68)).toEqual([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0f, 0x10]);
    expect(validMessageCodes(69)).toEqual([0x00, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0a, 0x0f, 0x10, 0x11]);
    expect(validMessageCodes(70)).toEqual(validMessageCodes(69));
    expect(validMessageCodes(71)).toEqual([...validMessageCodes(70), 0x12, 0x13]);
    expect(validMessageCodes(72)).toEqual([...validMessageCodes(71), 0x14, 0x15]);
  });

  it('keep every valid code inside the reserved length', () => {
    for (const v of ETH_VERSIONS) for (const c of validMessageCodes(v)) expect(c).toBeLessThan(ETH_PROTOCOL_LENGTHS[v]);
  });

  it('reject removed and unassigned codes', () => {
    expect(isValidMessageCode(68, 0x0d)).toBe(false); // GetNodeData, gone since eth/67
    expect(isValidMessageCode(68, 0x11)).toBe(false); // BlockRangeUpdate is eth/69+
    expect(isValidMessageCode(69, 0x01)).toBe(false); // NewBlockHashes is eth/68 only
    expect(isValidMessageCode(69, 0x07)).toBe(false); // NewBlock is eth/68 only
    expect(isValidMessageCode(70, 0x12)).toBe(false);
    expect(messageNameForCode(69, 0x11)).toBe('BlockRangeUpdate');
  });

  it('have a codec for exactly the messages of each version', () => {
    for (const v of ETH_VERSIONS) {
      const names = Object.keys(ETH_CODECS[v]).sort();
      expect(names.map((n) => EthMessageCode[n as keyof typeof EthMessageCode]).sort((a, b) => a - b)).toEqual(validMessageCodes(v));
    }
  });
});

describe('every message of every version round-trips', () => {
  for (const v of ETH_VERSIONS) {
    for (const [i, msg] of (EXAMPLES[v] as EthMessage[]).entries()) {
      it(`eth/${v} ${msg.name} #${i}`, () => {
        const { code, data } = encodeEthMessage(v, msg as EthMessage<typeof v>);
        expect(code).toBe(EthMessageCode[msg.name]);
        const back = decodeEthMessage(v, code, data);
        expect(back).toEqual(msg);
        expect(encodeEthMessage(v, back).data).toEqual(data);
      });
    }
  }

  it('refuses a code the version does not define, naming the code', () => {
    const data = encodeNewBlockHashes([]);
    expect(() => decodeEthMessage(69, 0x01, data)).toThrow(DecodeError);
    expect(() => decodeEthMessage(69, 0x01, data)).toThrow(/code/);
    expect(() => encodeEthMessage(69, { name: 'NewBlockHashes', value: [] } as never)).toThrow(RangeError);
  });
});

describe('encodings match the generic RLP encoder', () => {
  it('eth/68 Status', () => {
    const s = (EXAMPLES[68].find((m) => m.name === 'Status')!.value as Status68);
    expect(encodeStatus68(s)).toEqual(rlpEncode([68, s.networkId, s.td, s.head, s.genesis, [s.forkId.hash, s.forkId.next]]));
    expect(decodeStatus68(encodeStatus68(s))).toEqual(s);
  });

  it('eth/69 Status', () => {
    const s = EXAMPLES[69].find((m) => m.name === 'Status')!.value as Status69;
    const expected = rlpEncode([69, s.networkId, s.genesis, [s.forkId.hash, s.forkId.next], s.earliestBlock, s.latestBlock, s.latestBlockHash]);
    expect(encodeStatus69(s)).toEqual(expected);
    expect(decodeStatus69(expected)).toEqual(s);
  });

  it('eth/69 Receipts: [type, status, cumulativeGas, logs] without bloom', () => {
    const expected = rlpEncode([9n, [[[2, 1, 555, [[log.address, log.topics, log.data]]]]]]);
    expect(encodeReceipts69({ requestId: 9n, receipts: [[r69]] })).toEqual(expected);
  });

  it('eth/68 typed receipt: byte string of type || rlp([status, gas, bloom, logs])', () => {
    const inner = rlpEncode([new Uint8Array(), 21000n, r68typed.bloom, [[log.address, log.topics, log.data]]]);
    const expected = rlpEncode([9n, [[concatBytes(Uint8Array.of(2), inner)]]]);
    expect(encodeReceipts68({ requestId: 9n, receipts: [[r68typed]] })).toEqual(expected);
    expect(decodeReceipts68(expected).receipts[0]![0]).toEqual(r68typed);
  });

  it('BlockRangeUpdate', () => {
    const u = { earliestBlock: 5n, latestBlock: 10n, latestBlockHash: h32(1) };
    expect(encodeBlockRangeUpdate(u)).toEqual(rlpEncode([5n, 10n, u.latestBlockHash]));
    expect(decodeBlockRangeUpdate(encodeBlockRangeUpdate(u))).toEqual(u);
  });
});

describe('eth/70 receipts (EIP-7975)', () => {
  // Encodings from Nethermind's ReceiptsMessageSerializer70Tests.
  it.each([
    ['c38080c0', { requestId: 0n, lastBlockIncomplete: false, receipts: [] }],
    ['c38001c0', { requestId: 0n, lastBlockIncomplete: true, receipts: [] }],
    ['cb0380c8c7c6800182022bc0', { requestId: 3n, lastBlockIncomplete: false, receipts: [[{ type: 0, outcome: 1, cumulativeGasUsed: 555n, logs: [] }]] }],
    ['cb0301c8c7c6800182022bc0', { requestId: 3n, lastBlockIncomplete: true, receipts: [[{ type: 0, outcome: 1, cumulativeGasUsed: 555n, logs: [] }]] }],
  ] as const)('Receipts %s', (hex, value) => {
    expect(decodeReceipts70(hexToBytes(hex))).toEqual(value);
    expect(bytesToHex(encodeReceipts70(value as never))).toBe(hex);
  });

  it('rejects a lastBlockIncomplete other than 0 or 1', () => {
    expect(() => decodeReceipts70(hexToBytes('c38002c0'))).toThrow(/lastBlockIncomplete/);
  });

  it('GetReceipts carries firstBlockReceiptIndex between request ID and hashes', () => {
    const m = { requestId: 1n, firstBlockReceiptIndex: 42n, hashes: [h32(1)] };
    expect(encodeGetReceipts70(m)).toEqual(rlpEncode([1n, 42n, [h32(1)]]));
    expect(decodeGetReceipts70(encodeGetReceipts70(m))).toEqual(m);
  });

  it('eth/69 Receipts decoder rejects the eth/70 shape', () => {
    expect(() => decodeReceipts69(hexToBytes('cb0380c8c7c6800182022bc0'))).toThrow(DecodeError);
  });
});

describe('shape and size checks', () => {
  it('reject messages over MAX_MESSAGE_SIZE before parsing, for every decoder', () => {
    // A valid Transactions message one byte over the limit: the size check must fire first.
    const payload = new Uint8Array(MAX_MESSAGE_SIZE - 8 + 1);
    payload[0] = 2;
    const big = encList([encBytes(payload)]);
    expect(big.length).toBe(MAX_MESSAGE_SIZE + 1);
    for (const v of ETH_VERSIONS) {
      for (const name of Object.keys(ETH_CODECS[v])) {
        const codec = (ETH_CODECS[v] as Record<string, { decode(b: Uint8Array): unknown }>)[name]!;
        let err: unknown;
        try {
          codec.decode(big);
        } catch (e) {
          err = e;
        }
        expect(err, `eth/${v} ${name}`).toBeInstanceOf(DecodeError);
        expect((err as DecodeError).field).toBe('size');
      }
    }
  });

  it('accept a message of exactly MAX_MESSAGE_SIZE bytes', () => {
    const payload = new Uint8Array(MAX_MESSAGE_SIZE - 8);
    payload[0] = 2;
    const data = encList([encBytes(payload)]);
    expect(data.length).toBe(MAX_MESSAGE_SIZE);
    const [tx] = decodeTransactions(data);
    expect(tx!.type).toBe(2);
    expect(tx!.hash).toEqual(keccak256(payload));
  });

  it('carries typed transactions as byte strings and legacy ones as inline lists', () => {
    const data = encodeTransactions([legacyTx, typedTx]);
    expect(data).toEqual(encList([legacyTx.raw, encBytes(typedTx.raw)]));
    const [a, b] = decodeTransactions(data);
    expect(a!.hash).toEqual(keccak256(legacyTx.raw));
    expect(b!.hash).toEqual(keccak256(typedTx.raw));
  });

  it('reject transaction envelopes of type 0 or above 0x7f, and bare type bytes', () => {
    expect(() => decodeTransactions(rlpEncode([Uint8Array.of(0, 1, 2)]))).toThrow(/transaction type/);
    expect(() => decodeTransactions(rlpEncode([Uint8Array.of(0x80, 1, 2)]))).toThrow(DecodeError);
    expect(() => decodeTransactions(rlpEncode([Uint8Array.of(2)]))).toThrow(/too short/);
    expect(() => decodeTransactions(rlpEncode([[Uint8Array.of(1)]]))).toThrow(/\[0\]\[1\]: missing element/);
    expect(() => decodeTransactions(rlpEncode([[...Array(9).fill(Uint8Array.of(1)), Uint8Array.of(1)]]))).toThrow(/extra elements/);
  });

  it('GetBlockHeaders: origin must be a 32-byte hash or a number of at most 8 bytes; reverse 0 or 1', () => {
    expect(() => decodeGetBlockHeaders(rlpEncode([1n, [new Uint8Array(9).fill(1), 1n, 0n, 0n]]))).toThrow(/origin/);
    expect(() => decodeGetBlockHeaders(rlpEncode([1n, [5n, 1n, 0n, 2n]]))).toThrow(/reverse/);
    const m = decodeGetBlockHeaders(rlpEncode([1n, [2n ** 64n - 1n, 1n, 0n, 1n]]));
    expect(m.origin).toEqual({ number: 2n ** 64n - 1n });
    expect(encodeGetBlockHeaders(m)).toEqual(rlpEncode([1n, [2n ** 64n - 1n, 1n, 0n, 1n]]));
  });

  it('NewPooledTransactionHashes: the three lists must have equal length', () => {
    const bad = rlpEncode([Uint8Array.of(2, 2), [100n], [h32(1), h32(2)]]);
    expect(() => decodeNewPooledTransactionHashes(bad)).toThrow(/lengths differ/);
    expect(() => encodeNewPooledTransactionHashes({ types: Uint8Array.of(2), sizes: [], hashes: [] })).toThrow(RangeError);
  });

  it('reject extra trailing elements and request IDs above uint64', () => {
    expect(() => decodeNewBlockHashes(rlpEncode([[h32(1), 1n, 5n]]))).toThrow(DecodeError);
    expect(() => decodeReceipts69(rlpEncode([2n ** 64n, []]))).toThrow(/requestId/);
    expect(() => decodeBlockRangeUpdate(rlpEncode([1n, 2n, h32(1), 0n]))).toThrow(DecodeError);
  });

  it('reject non-canonical RLP and trailing bytes', () => {
    expect(() => decodeBlockRangeUpdate(hexToBytes('e4810102a0' + '11'.repeat(32)))).toThrow(/single byte/);
    const ok = encodeBlockRangeUpdate({ earliestBlock: 1n, latestBlock: 2n, latestBlockHash: h32(1) });
    expect(() => decodeBlockRangeUpdate(concatBytes(ok, Uint8Array.of(0)))).toThrow(DecodeError);
    expect(() => decodeBlockRangeUpdate(new Uint8Array())).toThrow(DecodeError);
  });

  it('reject lists nested deeper than MAX_RAW_DEPTH without recursion', () => {
    // 200k nested lists, built inside-out so it stays linear: each level adds a list header.
    const headers: Uint8Array[] = [];
    let len = 0;
    for (let i = 0; i < 200_000; i++) {
      const lenBytes = len < 56 ? [] : [...uintToBytes(len)];
      const h = Uint8Array.from(len < 56 ? [0xc0 + len] : [0xf7 + lenBytes.length, ...lenBytes]);
      headers.push(h);
      len += h.length;
    }
    const data = new Uint8Array(len);
    let off = 0;
    for (const h of headers.reverse()) {
      data.set(h, off);
      off += h.length;
    }
    expect(data.length).toBeLessThan(MAX_MESSAGE_SIZE);
    expect(() => decodeTransactions(data)).toThrow(/nested deeper/);
  });

  it('reject 10 MiB of one-byte items at the first element, without building them (every decoder)', () => {
    // A flat list of tiny items, alone and after a request ID: a generic tree decoder spends
    // seconds and gigabytes on this; the schema-driven reader fails at the first wrong element.
    const flatList = (n: number) => {
      const len = [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
      const out = new Uint8Array(n + 4).fill(1);
      out.set([0xfa, ...len], 0);
      return out;
    };
    const inputs = [flatList(MAX_MESSAGE_SIZE - 4), encList([Uint8Array.of(1), flatList(MAX_MESSAGE_SIZE - 10)]), encList([Uint8Array.of(1, 1), flatList(MAX_MESSAGE_SIZE - 12)])];
    for (const v of ETH_VERSIONS) {
      for (const [name, codec] of Object.entries(ETH_CODECS[v] as Record<string, { decode(b: Uint8Array): unknown }>)) {
        for (const data of inputs) {
          expect(data.length).toBeLessThanOrEqual(MAX_MESSAGE_SIZE);
          // Refused, and at the first element (or from the item count alone): the error names
          // no element past [0], so nothing after it was built.
          let err: unknown;
          try {
            codec.decode(data);
          } catch (e) {
            err = e;
          }
          expect(err, `eth/${v} ${name}`).toBeInstanceOf(DecodeError);
          const indices = [...(err as Error).message.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
          expect(Math.max(0, ...indices), `eth/${v} ${name}: ${(err as Error).message}`).toBe(0);
        }
      }
    }
  });

  it('isValidBlockRange follows geth: earliest <= latest and a non-zero latest hash', () => {
    expect(isValidBlockRange({ earliestBlock: 1n, latestBlock: 1n, latestBlockHash: h32(1) })).toBe(true);
    expect(isValidBlockRange({ earliestBlock: 2n, latestBlock: 1n, latestBlockHash: h32(1) })).toBe(false);
    expect(isValidBlockRange({ earliestBlock: 0n, latestBlock: 1n, latestBlockHash: h32(0) })).toBe(false);
  });

  it('encoders refuse out-of-range values', () => {
    expect(() => encodeReceipts68({ requestId: -1n, receipts: [] })).toThrow(RangeError);
    expect(() => encodeStatus69({ ...(EXAMPLES[69].find((m) => m.name === 'Status')!.value as Status69), latestBlockHash: h32(1).subarray(1) })).toThrow(RangeError);
    expect(() => encUint(-1)).toThrow(RangeError);
  });
});
