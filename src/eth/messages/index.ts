/**
 * Per-version message tables: which codec serves each message code of eth/68 to eth/72, and a decoder/encoder pair that dispatches on (version, code). The session layer
 * hands it the capability-relative code and message body; it gets back a tagged value.
 */
import { DecodeError } from '../../common/errors.js';
import type { Transaction } from '../../chain/transaction.js';
import { EthMessageCode, messageNameForCode, type EthVersion } from '../protocol.js';
import { decodeBlockAccessLists, decodeGetBlockAccessLists, encodeBlockAccessLists, encodeGetBlockAccessLists, type BlockAccessLists, type GetBlockAccessLists } from './access-lists.js';
import { decodeCells, decodeGetCells, encodeCells, encodeGetCells, type Cells, type GetCells } from './cells.js';
import { decodeBlockRangeUpdate, encodeBlockRangeUpdate, type BlockRangeUpdate } from './block-range-update.js';
import { decodeBlockBodies, decodeGetBlockBodies, encodeBlockBodies, encodeGetBlockBodies, type BlockBodies, type GetBlockBodies } from './bodies.js';
import { decodeBlockHeaders, decodeGetBlockHeaders, encodeBlockHeaders, encodeGetBlockHeaders, type BlockHeaders, type GetBlockHeaders } from './headers.js';
import { decodeNewBlockHashes, encodeNewBlockHashes, type BlockAnnouncement } from './new-block-hashes.js';
import { decodeNewBlock, encodeNewBlock, type NewBlock } from './new-block.js';
import {
  decodeGetPooledTransactions,
  decodeNewPooledTransactionHashes,
  decodeNewPooledTransactionHashes72,
  decodePooledTransactions,
  encodeGetPooledTransactions,
  encodeNewPooledTransactionHashes,
  encodeNewPooledTransactionHashes72,
  encodePooledTransactions,
  type GetPooledTransactions,
  type NewPooledTransactionHashes,
  type NewPooledTransactionHashes72,
  type PooledTransactions,
} from './pooled-transactions.js';
import {
  decodeGetReceipts,
  decodeGetReceipts70,
  decodeReceipts68,
  decodeReceipts69,
  decodeReceipts70,
  encodeGetReceipts,
  encodeGetReceipts70,
  encodeReceipts68,
  encodeReceipts69,
  encodeReceipts70,
  type GetReceipts,
  type GetReceipts70,
  type Receipts68,
  type Receipts69,
  type Receipts70,
} from './receipts.js';
import { decodeStatus68, decodeStatus69, encodeStatus68, encodeStatus69, type Status68, type Status69 } from './status.js';
import { decodeTransactions, encodeTransactions } from './transactions.js';

import { topLevelValue } from './top-level.js';

export { peekResponse, type ResponseSummary } from './response-peek.js';
export { topLevelValue } from './top-level.js';

/** Messages present in every supported version with the same shape. */
interface CommonMessages {
  Transactions: Transaction[];
  GetBlockHeaders: GetBlockHeaders;
  BlockHeaders: BlockHeaders;
  GetBlockBodies: GetBlockBodies;
  BlockBodies: BlockBodies;
  NewPooledTransactionHashes: NewPooledTransactionHashes;
  GetPooledTransactions: GetPooledTransactions;
  PooledTransactions: PooledTransactions;
}

/** Message values of eth/68, by name. */
export interface Eth68Messages extends CommonMessages {
  Status: Status68;
  NewBlockHashes: BlockAnnouncement[];
  NewBlock: NewBlock;
  GetReceipts: GetReceipts;
  Receipts: Receipts68;
}

/** Message values of eth/69, by name. */
export interface Eth69Messages extends CommonMessages {
  Status: Status69;
  GetReceipts: GetReceipts;
  Receipts: Receipts69;
  BlockRangeUpdate: BlockRangeUpdate;
}

/** Message values of eth/70, by name. */
export interface Eth70Messages extends CommonMessages {
  Status: Status69;
  GetReceipts: GetReceipts70;
  Receipts: Receipts70;
  BlockRangeUpdate: BlockRangeUpdate;
}

/** Message values of eth/71 (EIP-8159): eth/70 and block access lists. */
export interface Eth71Messages extends Eth70Messages {
  GetBlockAccessLists: GetBlockAccessLists;
  BlockAccessLists: BlockAccessLists;
}

/** Message values of eth/72: eth/71, blob cells, and announcements with a custody bitmap. */
export interface Eth72Messages extends Omit<Eth71Messages, 'NewPooledTransactionHashes'> {
  NewPooledTransactionHashes: NewPooledTransactionHashes72;
  GetCells: GetCells;
  Cells: Cells;
}

/** Message values by version. */
export interface EthMessagesByVersion {
  68: Eth68Messages;
  69: Eth69Messages;
  70: Eth70Messages;
  71: Eth71Messages;
  72: Eth72Messages;
}

/** A decoded message of version `V`, tagged with its name. */
export type EthMessage<V extends EthVersion = EthVersion> = {
  [K in keyof EthMessagesByVersion[V]]: { name: K; value: EthMessagesByVersion[V][K] };
}[keyof EthMessagesByVersion[V]];

/** A decoded message of any supported version. */
export type AnyEthMessage = EthMessage<68> | EthMessage<69> | EthMessage<70> | EthMessage<71> | EthMessage<72>;

/** An encode/decode pair for one message. */
export interface MessageCodec<T> {
  encode(value: T): Uint8Array;
  decode(data: Uint8Array): T;
}

type CodecTable<M> = { [K in keyof M]: MessageCodec<M[K]> };

const common: CodecTable<CommonMessages> = {
  Transactions: { encode: encodeTransactions, decode: decodeTransactions },
  GetBlockHeaders: { encode: encodeGetBlockHeaders, decode: decodeGetBlockHeaders },
  BlockHeaders: { encode: encodeBlockHeaders, decode: decodeBlockHeaders },
  GetBlockBodies: { encode: encodeGetBlockBodies, decode: decodeGetBlockBodies },
  BlockBodies: { encode: encodeBlockBodies, decode: decodeBlockBodies },
  NewPooledTransactionHashes: { encode: encodeNewPooledTransactionHashes, decode: decodeNewPooledTransactionHashes },
  GetPooledTransactions: { encode: encodeGetPooledTransactions, decode: decodeGetPooledTransactions },
  PooledTransactions: { encode: encodePooledTransactions, decode: decodePooledTransactions },
};

const eth71: CodecTable<Eth71Messages> = {
  ...common,
  Status: { encode: encodeStatus69, decode: decodeStatus69 },
  GetReceipts: { encode: encodeGetReceipts70, decode: decodeGetReceipts70 },
  Receipts: { encode: encodeReceipts70, decode: decodeReceipts70 },
  BlockRangeUpdate: { encode: encodeBlockRangeUpdate, decode: decodeBlockRangeUpdate },
  GetBlockAccessLists: { encode: encodeGetBlockAccessLists, decode: decodeGetBlockAccessLists },
  BlockAccessLists: { encode: encodeBlockAccessLists, decode: decodeBlockAccessLists },
};

/** The codec of every message, per version. */
export const ETH_CODECS: { [V in EthVersion]: CodecTable<EthMessagesByVersion[V]> } = {
  68: {
    ...common,
    Status: { encode: encodeStatus68, decode: decodeStatus68 },
    NewBlockHashes: { encode: encodeNewBlockHashes, decode: decodeNewBlockHashes },
    NewBlock: { encode: encodeNewBlock, decode: decodeNewBlock },
    GetReceipts: { encode: encodeGetReceipts, decode: decodeGetReceipts },
    Receipts: { encode: encodeReceipts68, decode: decodeReceipts68 },
  },
  69: {
    ...common,
    Status: { encode: encodeStatus69, decode: decodeStatus69 },
    GetReceipts: { encode: encodeGetReceipts, decode: decodeGetReceipts },
    Receipts: { encode: encodeReceipts69, decode: decodeReceipts69 },
    BlockRangeUpdate: { encode: encodeBlockRangeUpdate, decode: decodeBlockRangeUpdate },
  },
  70: {
    ...common,
    Status: { encode: encodeStatus69, decode: decodeStatus69 },
    GetReceipts: { encode: encodeGetReceipts70, decode: decodeGetReceipts70 },
    Receipts: { encode: encodeReceipts70, decode: decodeReceipts70 },
    BlockRangeUpdate: { encode: encodeBlockRangeUpdate, decode: decodeBlockRangeUpdate },
  },
  71: eth71,
  72: {
    ...eth71,
    NewPooledTransactionHashes: { encode: encodeNewPooledTransactionHashes72, decode: decodeNewPooledTransactionHashes72 },
    GetCells: { encode: encodeGetCells, decode: decodeGetCells },
    Cells: { encode: encodeCells, decode: decodeCells },
  },
};

/**
 * Decodes message `code` (relative to the eth offset) of `version` as received: its top-level
 * RLP value, bytes after it ignored as geth does ({@link topLevelValue}). A code the version
 * does not define throws {@link DecodeError} with field `code`.
 */
export function decodeEthMessage<V extends EthVersion>(version: V, code: number, data: Uint8Array): EthMessage<V> {
  const name = messageNameForCode(version, code);
  if (name === undefined) throw new DecodeError(`eth/${version}`, 'code', `invalid message code 0x${code.toString(16)}`);
  const codec = (ETH_CODECS[version] as Record<string, MessageCodec<unknown>>)[name]!;
  return { name, value: codec.decode(topLevelValue(data)) } as EthMessage<V>;
}

/** Encodes a message of `version`, returning its code (relative to the eth offset) and body. */
export function encodeEthMessage<V extends EthVersion>(version: V, message: EthMessage<V>): { code: number; data: Uint8Array } {
  const name = message.name as keyof typeof EthMessageCode;
  if (messageNameForCode(version, EthMessageCode[name]) !== name) throw new RangeError(`eth/${version} has no ${String(name)} message`);
  const codec = (ETH_CODECS[version] as Record<string, MessageCodec<unknown>>)[name]!;
  return { code: EthMessageCode[name], data: codec.encode(message.value) };
}
