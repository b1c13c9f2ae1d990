/**
 * EIP-2481 test cases. They are eth/66 messages; for these message types eth/66 and eth/68
 * share the encoding, so the eth/68 codecs must decode each to its data and re-encode it to
 * the same bytes. GetNodeData/NodeData left the protocol in eth/67: they are checked through
 * the generic request-ID envelope only.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/common/bytes.js';
import { rlpDecode, rlpEncode } from '../../src/common/rlp.js';
import { asBytes, asList } from '../support/rlp-tree.js';
import { makeHeader, type HeaderFields } from '../../src/chain/header.js';
import { decodeBlockBodies, decodeGetBlockBodies, encodeBlockBodies, encodeGetBlockBodies } from '../../src/eth/messages/bodies.js';
import { decodeBlockHeaders, decodeGetBlockHeaders, encodeBlockHeaders, encodeGetBlockHeaders } from '../../src/eth/messages/headers.js';
import {
  decodeGetPooledTransactions,
  decodePooledTransactions,
  encodeGetPooledTransactions,
  encodePooledTransactions,
} from '../../src/eth/messages/pooled-transactions.js';
import { decodeGetReceipts, decodeReceipts68, encodeGetReceipts, encodeReceipts68 } from '../../src/eth/messages/receipts.js';
import { decodeRequestIdEnvelope, encodeRequestIdEnvelope } from '../../src/eth/messages/request-id.js';
import { EthMessageCode, isValidMessageCode } from '../../src/eth/protocol.js';
import type { Receipt68 } from '../../src/chain/receipt.js';
import { transactionFromRaw, type Transaction } from '../../src/chain/transaction.js';
import { loadVectors } from '../support/vectors.js';

const V = loadVectors('eip2481-messages.json');
const cases = V.cases as { type: string; message_id: string; rlp: string; data: any }[];
const byType = (t: string) => cases.filter((c) => c.type === t);
const hex = (s: string) => hexToBytes(s);
const qty = (s: string) => BigInt(s);

function headerFromJson(h: any): HeaderFields {
  return {
    parentHash: hex(h.parentHash),
    uncleHash: hex(h.sha3Uncles),
    coinbase: hex(h.miner),
    stateRoot: hex(h.stateRoot),
    txRoot: hex(h.transactionsRoot),
    receiptRoot: hex(h.receiptsRoot),
    bloom: hex(h.logsBloom),
    difficulty: qty(h.difficulty),
    number: qty(h.number),
    gasLimit: qty(h.gasLimit),
    gasUsed: qty(h.gasUsed),
    time: qty(h.timestamp),
    extra: hex(h.extraData),
    mixDigest: hex(h.mixHash),
    nonce: hex(h.nonce),
  };
}

function legacyTxFromJson(t: any): Transaction {
  const raw = rlpEncode([qty(t.nonce), qty(t.gasPrice), qty(t.gas), hex(t.to), qty(t.value), hex(t.input), qty(t.v), qty(t.r), qty(t.s)]);
  const tx = transactionFromRaw(raw);
  expect('0x' + bytesToHex(tx.hash)).toBe(t.hash);
  return tx;
}

function roundtrip<T>(c: { rlp: string }, expected: T, decode: (b: Uint8Array) => T, encode: (v: T) => Uint8Array): void {
  const bytes = hex(c.rlp);
  expect(decode(bytes)).toEqual(expected);
  expect('0x' + bytesToHex(encode(expected))).toBe(c.rlp);
}

describe('EIP-2481 vectors through the eth/68 codecs', () => {
  it('has the message codes the EIP gives, valid in eth/68 except GetNodeData/NodeData', () => {
    for (const c of cases) {
      const name = c.type.replace(/Packet66$/, '');
      const code = Number(c.message_id);
      if (name === 'GetNodeData' || name === 'NodeData') {
        expect(isValidMessageCode(68, code)).toBe(false);
      } else {
        expect(EthMessageCode[name as keyof typeof EthMessageCode]).toBe(code);
        expect(isValidMessageCode(68, code)).toBe(true);
      }
    }
  });

  it.each(byType('GetBlockHeadersPacket66').map((c, i) => [i, c] as const))('GetBlockHeaders #%i', (_i, c) => {
    const d = c.data;
    const hashIsZero = /^0x0+$/.test(d.Origin.Hash);
    const expected = {
      requestId: BigInt(d.RequestId),
      origin: hashIsZero ? { number: BigInt(d.Origin.Number) } : { hash: hex(d.Origin.Hash) },
      amount: BigInt(d.Amount),
      skip: BigInt(d.Skip),
      reverse: d.Reverse as boolean,
    };
    roundtrip(c, expected, decodeGetBlockHeaders, encodeGetBlockHeaders);
  });

  it('BlockHeaders', () => {
    const [c] = byType('BlockHeadersPacket66');
    const headers = c!.data.BlockHeadersPacket.map((h: any) => {
      const header = makeHeader(headerFromJson(h));
      expect('0x' + bytesToHex(header.hash)).toBe(h.hash);
      return header;
    });
    roundtrip(c!, { requestId: BigInt(c!.data.RequestId), headers }, decodeBlockHeaders, encodeBlockHeaders);
  });

  it('GetBlockBodies', () => {
    const [c] = byType('GetBlockBodiesPacket66');
    const expected = { requestId: BigInt(c!.data.RequestId), hashes: c!.data.GetBlockBodiesPacket.map(hex) };
    roundtrip(c!, expected, decodeGetBlockBodies, encodeGetBlockBodies);
  });

  it('BlockBodies (legacy transactions, one uncle, no withdrawals)', () => {
    const [c] = byType('BlockBodiesPacket66');
    const bodies = c!.data.BlockBodiesPacket.map((b: any) => ({
      transactions: b.Transactions.map(legacyTxFromJson),
      uncles: b.Uncles.map((u: any) => makeHeader(headerFromJson(u))),
    }));
    roundtrip(c!, { requestId: BigInt(c!.data.RequestId), bodies }, decodeBlockBodies, encodeBlockBodies);
  });

  it('GetReceipts', () => {
    const [c] = byType('GetReceiptsPacket66');
    roundtrip(c!, { requestId: BigInt(c!.data.RequestId), hashes: c!.data.GetReceiptsPacket.map(hex) }, decodeGetReceipts, encodeGetReceipts);
  });

  it('Receipts (eth/68 form with bloom)', () => {
    const [c] = byType('ReceiptsPacket66');
    const receipts: Receipt68[][] = c!.data.ReceiptsPacket.map((block: any[]) =>
      block.map((r) => ({
        type: 0,
        outcome: r.root !== '0x' ? hex(r.root) : (Number(r.status) as 0 | 1),
        cumulativeGasUsed: qty(r.cumulativeGasUsed),
        bloom: hex(r.logsBloom),
        logs: r.logs.map((l: any) => ({ address: hex(l.address), topics: l.topics.map(hex), data: hex(l.data) })),
      })),
    );
    roundtrip(c!, { requestId: BigInt(c!.data.RequestId), receipts }, decodeReceipts68, encodeReceipts68);
  });

  it('GetPooledTransactions', () => {
    const [c] = byType('GetPooledTransactionsPacket66');
    const expected = { requestId: BigInt(c!.data.RequestId), hashes: c!.data.GetPooledTransactionsPacket.map(hex) };
    roundtrip(c!, expected, decodeGetPooledTransactions, encodeGetPooledTransactions);
  });

  it('PooledTransactions', () => {
    const [c] = byType('PooledTransactionsPacket66');
    const expected = { requestId: BigInt(c!.data.RequestId), transactions: c!.data.PooledTransactionsPacket.map(legacyTxFromJson) };
    roundtrip(c!, expected, decodePooledTransactions, encodePooledTransactions);
  });

  it('GetNodeData and NodeData (eth/66 only) through the request-ID envelope', () => {
    for (const [type, key] of [
      ['GetNodeDataPacket66', 'GetNodeDataPacket'],
      ['NodeDataPacket66', 'NodeDataPacket'],
    ] as const) {
      const [c] = byType(type);
      const env = decodeRequestIdEnvelope(hex(c!.rlp), type);
      expect(env.requestId).toBe(BigInt(c!.data.RequestId));
      const items = asList(rlpDecode(env.payloadRaw, type), type, 'payload').map((x) => '0x' + bytesToHex(asBytes(x, type, 'item')));
      expect(items).toEqual(c!.data[key]);
      expect('0x' + bytesToHex(encodeRequestIdEnvelope(env.requestId, env.payloadRaw))).toBe(c!.rlp);
    }
  });
});
