/** fast-check generators for every eth value type, shared by the property tests. */
import fc from 'fast-check';
import { rlpEncode, type RlpInput } from '../../src/common/rlp.js';
import type { Block, BlockBody, Withdrawal } from '../../src/chain/block.js';
import type { ForkId } from '../../src/chain/forkid.js';
import { makeHeader, type BlockHeader, type HeaderFields } from '../../src/chain/header.js';
import type { EthMessagesByVersion } from '../../src/eth/messages/index.js';
import type { EthVersion } from '../../src/eth/protocol.js';
import type { Log, Receipt68, Receipt69, ReceiptOutcome } from '../../src/chain/receipt.js';
import { transactionFromRaw, type Transaction } from '../../src/chain/transaction.js';

export const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
export const anyBytes = (max = 40) => fc.uint8Array({ maxLength: max });
export const hash = bytes(32);
export const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
export const u256 = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
export const u32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
export const txType = fc.integer({ min: 1, max: 0x7f });
const small = <T>(a: fc.Arbitrary<T>, max = 3) => fc.array(a, { maxLength: max });

/** Nested RLP values, to fuzz decoders past the RLP layer with well-formed but wrong shapes. */
export const rlpValue: fc.Arbitrary<RlpInput> = fc.letrec<{ v: RlpInput }>((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, anyBytes(48), fc.array(tie('v'), { maxLength: 5 })),
})).v;

export const forkIdArb: fc.Arbitrary<ForkId> = fc.record({ hash: bytes(4), next: u64 });

const optionalFieldValues = fc.record({
  baseFee: u256,
  withdrawalsRoot: hash,
  blobGasUsed: u64,
  excessBlobGas: u64,
  parentBeaconRoot: hash,
  requestsHash: hash,
});
const OPTIONAL = ['baseFee', 'withdrawalsRoot', 'blobGasUsed', 'excessBlobGas', 'parentBeaconRoot', 'requestsHash'] as const;

/** Headers of every era: 0..6 optional fields, sometimes followed by unknown future fields. */
export const headerArb: fc.Arbitrary<BlockHeader> = fc
  .record({
    parentHash: hash,
    uncleHash: hash,
    coinbase: bytes(20),
    stateRoot: hash,
    txRoot: hash,
    receiptRoot: hash,
    bloom: bytes(256),
    difficulty: u256,
    number: u64,
    gasLimit: u64,
    gasUsed: u64,
    time: u64,
    extra: anyBytes(32),
    mixDigest: hash,
    nonce: bytes(8),
    optional: optionalFieldValues,
    optionalCount: fc.integer({ min: 0, max: 6 }),
    unknown: small(rlpValue, 2),
  })
  .map(({ optional, optionalCount, unknown, ...base }) => {
    const fields: HeaderFields = { ...base };
    for (const k of OPTIONAL.slice(0, optionalCount)) (fields as any)[k] = optional[k];
    if (optionalCount === 6 && unknown.length > 0) fields.unknownFields = unknown.map((u) => rlpEncode(u));
    return makeHeader(fields);
  });

export const legacyTxArb: fc.Arbitrary<Transaction> = fc
  .array(anyBytes(33), { minLength: 9, maxLength: 9 })
  .map((fields) => transactionFromRaw(rlpEncode(fields)));
export const typedTxArb: fc.Arbitrary<Transaction> = fc
  .tuple(txType, fc.uint8Array({ minLength: 1, maxLength: 80 }))
  .map(([t, payload]) => transactionFromRaw(Uint8Array.of(t, ...payload)));
export const txArb = fc.oneof(legacyTxArb, typedTxArb);

export const withdrawalArb: fc.Arbitrary<Withdrawal> = fc.record({ index: u64, validatorIndex: u64, address: bytes(20), amount: u64 });

export const bodyArb: fc.Arbitrary<BlockBody> = fc
  .record({ transactions: small(txArb), uncles: small(headerArb, 1), withdrawals: fc.option(small(withdrawalArb), { nil: undefined }) })
  .map(({ withdrawals, ...b }) => (withdrawals === undefined ? b : { ...b, withdrawals }));

export const blockArb: fc.Arbitrary<Block> = fc.tuple(headerArb, bodyArb).map(([header, body]) => ({ header, ...body }));

export const logArb: fc.Arbitrary<Log> = fc.record({ address: bytes(20), topics: small(hash, 4), data: anyBytes(64) });
const outcomeArb: fc.Arbitrary<ReceiptOutcome> = fc.oneof(fc.constant(0 as const), fc.constant(1 as const), hash);
const receiptType = fc.oneof(fc.constant(0), txType);
export const receipt68Arb: fc.Arbitrary<Receipt68> = fc.record({
  type: receiptType,
  outcome: outcomeArb,
  cumulativeGasUsed: u64,
  bloom: bytes(256),
  logs: small(logArb),
});
export const receipt69Arb: fc.Arbitrary<Receipt69> = fc.record({ type: receiptType, outcome: outcomeArb, cumulativeGasUsed: u64, logs: small(logArb) });

const requestId = u64;
const hashes = small(hash, 4);

const common = {
  Transactions: small(txArb, 4),
  GetBlockHeaders: fc.record({
    requestId,
    origin: fc.oneof(fc.record({ hash }), fc.record({ number: u64 })),
    amount: u64,
    skip: u64,
    reverse: fc.boolean(),
  }),
  BlockHeaders: fc.record({ requestId, headers: small(headerArb) }),
  GetBlockBodies: fc.record({ requestId, hashes }),
  BlockBodies: fc.record({ requestId, bodies: small(bodyArb, 2) }),
  NewPooledTransactionHashes: small(fc.tuple(fc.integer({ min: 0, max: 255 }), u32, hash), 5).map((entries) => ({
    types: Uint8Array.from(entries.map((e) => e[0])),
    sizes: entries.map((e) => e[1]),
    hashes: entries.map((e) => e[2]),
  })),
  GetPooledTransactions: fc.record({ requestId, hashes }),
  PooledTransactions: fc.record({ requestId, transactions: small(txArb, 4) }),
};

const status69 = (version: number) =>
  fc.record({
    version: fc.constant(version),
    networkId: u64,
    genesis: hash,
    forkId: forkIdArb,
    earliestBlock: u64,
    latestBlock: u64,
    latestBlockHash: hash,
  });
const blockRangeUpdate = fc.record({ earliestBlock: u64, latestBlock: u64, latestBlockHash: hash });

/** eth/71's generators (eth/70 and block access lists), also the base of eth/72's. */
function eth71Arbs(version: 71 | 72) {
  return {
    ...common,
    Status: status69(version),
    GetReceipts: fc.record({ requestId, firstBlockReceiptIndex: u64, hashes }),
    Receipts: fc.record({ requestId, lastBlockIncomplete: fc.boolean(), receipts: small(small(receipt69Arb)) }),
    BlockRangeUpdate: blockRangeUpdate,
    GetBlockAccessLists: fc.record({ requestId, hashes }),
    // Entries as received: the empty string (unavailable) or an encoded list.
    BlockAccessLists: fc.record({ requestId, accessLists: small(fc.oneof(fc.constant(Uint8Array.of(0x80)), rlpValue.filter(Array.isArray).map((v) => rlpEncode(v)))) }),
  };
}

/** A generator for the value of every message of every version. */
export const MESSAGE_ARBS: { [V in EthVersion]: { [K in keyof EthMessagesByVersion[V]]: fc.Arbitrary<EthMessagesByVersion[V][K]> } } = {
  68: {
    ...common,
    Status: fc.record({ version: fc.constant(68), networkId: u64, td: u256, head: hash, genesis: hash, forkId: forkIdArb }),
    NewBlockHashes: small(fc.record({ hash, number: u64 }), 4),
    NewBlock: fc.record({ block: blockArb, td: u256 }),
    GetReceipts: fc.record({ requestId, hashes }),
    Receipts: fc.record({ requestId, receipts: small(small(receipt68Arb)) }),
  },
  69: {
    ...common,
    Status: status69(69),
    GetReceipts: fc.record({ requestId, hashes }),
    Receipts: fc.record({ requestId, receipts: small(small(receipt69Arb)) }),
    BlockRangeUpdate: blockRangeUpdate,
  },
  70: {
    ...common,
    Status: status69(70),
    GetReceipts: fc.record({ requestId, firstBlockReceiptIndex: u64, hashes }),
    Receipts: fc.record({ requestId, lastBlockIncomplete: fc.boolean(), receipts: small(small(receipt69Arb)) }),
    BlockRangeUpdate: blockRangeUpdate,
  },
  71: eth71Arbs(71),
  72: {
    ...eth71Arbs(72),
    NewPooledTransactionHashes: common.NewPooledTransactionHashes.chain((a) => bytes(16).map((mask) => ({ ...a, mask }))),
    GetCells: fc.record({ requestId, hashes, mask: bytes(16) }),
    Cells: small(fc.tuple(hash, small(bytes(2048), 2)), 2).chain((entries) =>
      fc.record({ requestId, hashes: fc.constant(entries.map((e) => e[0])), cells: fc.constant(entries.map((e) => e[1])), mask: bytes(16) }),
    ),
  },
};

/** A byte-level change to a valid encoding. */
export type Mutation =
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; extra: Uint8Array }
  | { kind: 'insert'; at: number; byte: number }
  | { kind: 'delete'; at: number };

/** Byte-level mutations of a valid encoding. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
);

/** Non-empty byte strings near RLP: random bytes, and mutated valid encodings. */
export const nearRlp: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 64 }),
  fc.tuple(rlpValue, mutation).map(([v, m]) => mutate(rlpEncode(v), m)).filter((b) => b.length > 0),
);

export function mutate(data: Uint8Array, m: Mutation): Uint8Array {
  const n = data.length;
  const at = n === 0 || m.kind === 'append' ? 0 : m.at % n;
  switch (m.kind) {
    case 'flip': {
      const out = data.slice();
      if (n > 0) out[at] = out[at]! ^ m.xor;
      return out;
    }
    case 'truncate':
      return data.slice(0, at);
    case 'append':
      return Uint8Array.from([...data, ...m.extra]);
    case 'insert':
      return Uint8Array.from([...data.slice(0, at), m.byte, ...data.slice(at)]);
    case 'delete':
      return Uint8Array.from([...data.slice(0, at), ...data.slice(at + 1)]);
  }
}
