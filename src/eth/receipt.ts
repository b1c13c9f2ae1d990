/**
 * Receipts in the two wire encodings the eth protocol has used.
 *
 * eth/66-68 send the consensus encoding: a legacy receipt is the list
 * `[post-state-or-status, cumulative-gas, bloom, logs]`, a typed one the byte string
 * `type || rlp([...same four...])`. eth/69 (EIP-7642) drops the bloom (the receiver recomputes
 * it) and uses one shape for every type: `[tx-type, post-state-or-status, cumulative-gas, logs]`.
 */
import { DecodeError } from '../common/errors.js';
import { asBigUint, asBytes, asList, rlpDecode, type RlpItem } from '../common/rlp.js';
import { concatBytes } from '../common/bytes.js';
import { asHash, asListOf, asUint64, checkLength, checkUint } from './fields.js';
import { encBytes, encList, encUint } from './rlp-raw.js';
import { MAX_TX_TYPE } from './transaction.js';

/** A log entry: `[address, topics, data]`. */
export interface Log {
  /** 20-byte emitting contract. */
  address: Uint8Array;
  /** 32-byte topics. */
  topics: Uint8Array[];
  data: Uint8Array;
}

/**
 * Outcome of the transaction: since Byzantium a status (1 success, 0 failure); before it the
 * 32-byte state root after the transaction.
 */
export type ReceiptOutcome = 0 | 1 | Uint8Array;

/** A receipt as eth/68 carries it (with bloom). */
export interface Receipt68 {
  /** Transaction type: 0 legacy, else the EIP-2718 type. */
  type: number;
  outcome: ReceiptOutcome;
  cumulativeGasUsed: bigint;
  /** 256-byte logs bloom. */
  bloom: Uint8Array;
  logs: Log[];
}

/** A receipt as eth/69 and eth/70 carry it (no bloom). */
export interface Receipt69 {
  /** Transaction type: 0 legacy, else the EIP-2718 type. */
  type: number;
  outcome: ReceiptOutcome;
  cumulativeGasUsed: bigint;
  logs: Log[];
}

function encodeOutcome(o: ReceiptOutcome): Uint8Array {
  if (o === 0) return encBytes(new Uint8Array(0));
  if (o === 1) return encBytes(Uint8Array.of(1));
  return encBytes(checkLength(o, 32, 'receipt post-state'));
}

function outcomeFromItem(item: RlpItem | undefined, what: string, field: string): ReceiptOutcome {
  const b = asBytes(item, what, field);
  if (b.length === 0) return 0;
  if (b.length === 1 && b[0] === 1) return 1;
  if (b.length === 32) return b;
  throw new DecodeError(what, field, `invalid post-state-or-status of ${b.length} bytes`);
}

/** Encodes a log: `[address, [topics...], data]`. */
export function encodeLogItem(log: Log): Uint8Array {
  return encList([
    encBytes(checkLength(log.address, 20, 'log address')),
    encList(log.topics.map((t) => encBytes(checkLength(t, 32, 'log topic')))),
    encBytes(log.data),
  ]);
}

/** Reads a log from its decoded item. */
export function logFromItem(item: RlpItem | undefined, what: string, field: string): Log {
  const l = asListOf(item, 3, what, field);
  return {
    address: asBytes(l[0], what, `${field}.address`, 20),
    topics: asList(l[1], what, `${field}.topics`).map((t, i) => asHash(t, what, `${field}.topics[${i}]`)),
    data: asBytes(l[2], what, `${field}.data`),
  };
}

function logsFromItem(item: RlpItem | undefined, what: string, field: string): Log[] {
  return asList(item, what, field).map((l, i) => logFromItem(l, what, `${field}[${i}]`));
}

function checkType(type: number): number {
  if (!Number.isInteger(type) || type < 0 || type > MAX_TX_TYPE) throw new RangeError(`invalid receipt type ${type}`);
  return type;
}

/** Encodes an eth/68 receipt as a list element (legacy list, or byte string for typed). */
export function encodeReceipt68Item(r: Receipt68): Uint8Array {
  const body = encList([
    encodeOutcome(r.outcome),
    encUint(checkUint(r.cumulativeGasUsed, 64, 'cumulativeGasUsed')),
    encBytes(checkLength(r.bloom, 256, 'receipt bloom')),
    encList(r.logs.map(encodeLogItem)),
  ]);
  if (checkType(r.type) === 0) return body;
  return encBytes(concatBytes(Uint8Array.of(r.type), body));
}

function receipt68Fields(item: RlpItem | undefined, type: number, what: string, field: string): Receipt68 {
  const l = asListOf(item, 4, what, field);
  return {
    type,
    outcome: outcomeFromItem(l[0], what, `${field}.outcome`),
    cumulativeGasUsed: asUint64(l[1], what, `${field}.cumulativeGasUsed`),
    bloom: asBytes(l[2], what, `${field}.bloom`, 256),
    logs: logsFromItem(l[3], what, `${field}.logs`),
  };
}

/** Reads an eth/68 receipt from its decoded list element. */
export function receipt68FromItem(item: RlpItem | undefined, what: string, field: string): Receipt68 {
  if (Array.isArray(item)) return receipt68Fields(item, 0, what, field);
  const b = asBytes(item, what, field);
  if (b.length < 2) throw new DecodeError(what, field, 'typed receipt too short');
  const type = b[0]!;
  if (type === 0 || type > MAX_TX_TYPE) throw new DecodeError(what, field, `invalid receipt type 0x${type.toString(16)}`);
  return receipt68Fields(rlpDecode(b.subarray(1), what), type, what, field);
}

/** Encodes an eth/69 receipt: `[type, outcome, cumulativeGasUsed, logs]`. */
export function encodeReceipt69Item(r: Receipt69): Uint8Array {
  return encList([
    encUint(checkType(r.type)),
    encodeOutcome(r.outcome),
    encUint(checkUint(r.cumulativeGasUsed, 64, 'cumulativeGasUsed')),
    encList(r.logs.map(encodeLogItem)),
  ]);
}

/** Reads an eth/69 receipt from its decoded item. */
export function receipt69FromItem(item: RlpItem | undefined, what: string, field: string): Receipt69 {
  const l = asListOf(item, 4, what, field);
  const type = Number(asBigUint(l[0], what, `${field}.type`, 1));
  if (type > MAX_TX_TYPE) throw new DecodeError(what, `${field}.type`, `invalid receipt type 0x${type.toString(16)}`);
  return {
    type,
    outcome: outcomeFromItem(l[1], what, `${field}.outcome`),
    cumulativeGasUsed: asUint64(l[2], what, `${field}.cumulativeGasUsed`),
    logs: logsFromItem(l[3], what, `${field}.logs`),
  };
}
