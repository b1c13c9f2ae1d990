/**
 * Receipts in the two wire encodings the eth protocol has used.
 *
 * eth/66-68 send the consensus encoding: a legacy receipt is the list
 * `[post-state-or-status, cumulative-gas, bloom, logs]`, a typed one the byte string
 * `type || rlp([...same four...])`. eth/69 (EIP-7642) drops the bloom (the receiver recomputes
 * it) and uses one shape for every type: `[tx-type, post-state-or-status, cumulative-gas, logs]`.
 */
import { DecodeError } from '../common/errors.js';
import { concatBytes } from '../common/bytes.js';
import { logsBloom } from './bloom.js';
import { checkLength, checkUint } from './fields.js';
import { encBytes, encList, encUint } from '../common/rlp-encode.js';
import { RlpReader } from '../common/rlp-reader.js';
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

function readOutcome(r: RlpReader): ReceiptOutcome {
  // Read in place: receipts are many and small, and a status needs no view.
  r.skipBytes('outcome');
  const buf = r.buffer;
  const start = r.spanPayload;
  const length = r.spanEnd - start;
  if (length === 0) return 0;
  if (length === 1 && buf[start] === 1) return 1;
  if (length === 32) return buf.slice(start, start + 32);
  throw new DecodeError(r.what, r.pathOf('outcome'), `invalid post-state-or-status of ${length} bytes`);
}

/** Encodes a log: `[address, [topics...], data]`. */
export function encodeLogItem(log: Log): Uint8Array {
  return encList([
    encBytes(checkLength(log.address, 20, 'log address')),
    encList(log.topics.map((t) => encBytes(checkLength(t, 32, 'log topic')))),
    encBytes(log.data),
  ]);
}

/** Reads a log as the next element (named, or by index) of `r`. */
export function readLog(r: RlpReader, name: string | number): Log {
  const l = r.list(name);
  const log = { address: l.bytes('address', 20), topics: l.listItems('topics', (t, i) => t.hash(`[${i}]`)), data: l.bytes('data') };
  l.done();
  return log;
}

function readLogs(r: RlpReader): Log[] {
  return r.listItems('logs', readLog);
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

function readReceipt68Fields(l: RlpReader, type: number): Receipt68 {
  const r: Receipt68 = { type, outcome: readOutcome(l), cumulativeGasUsed: l.uint64('cumulativeGasUsed'), bloom: l.bytes('bloom', 256), logs: readLogs(l) };
  l.done();
  return r;
}

/** Reads an eth/68 receipt (legacy list, or typed byte string) as the next element (named, or by index) of `r`. */
export function readReceipt68(r: RlpReader, name: string | number): Receipt68 {
  if (r.nextIsList(name)) return readReceipt68Fields(r.list(name), 0);
  const path = r.pathOf(name);
  const b = r.bytesView(typeof name === 'number' ? `[${name}]` : name);
  if (b.length < 2) throw new DecodeError(r.what, path, 'typed receipt too short');
  const type = b[0]!;
  if (type === 0 || type > MAX_TX_TYPE) throw new DecodeError(r.what, path, `invalid receipt type 0x${type.toString(16)}`);
  return readReceipt68Fields(RlpReader.over(b.subarray(1), r.what, path).list('', true), type);
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

/** Reads an eth/69 receipt as the next element (named, or by index) of `r`. */
export function readReceipt69(r: RlpReader, name: string | number): Receipt69 {
  const l = r.list(name);
  const type = Number(l.uint('type', 1));
  if (type > MAX_TX_TYPE) throw new DecodeError(r.what, l.pathOf('type'), `invalid receipt type 0x${type.toString(16)}`);
  const receipt: Receipt69 = { type, outcome: readOutcome(l), cumulativeGasUsed: l.uint64('cumulativeGasUsed'), logs: readLogs(l) };
  l.done();
  return receipt;
}

/** A receipt in eth/68 form: the eth/69 fields plus the bloom of its logs. */
export function toReceipt68(r: Receipt69): Receipt68 {
  return { type: r.type, outcome: r.outcome, cumulativeGasUsed: r.cumulativeGasUsed, bloom: logsBloom(r.logs), logs: r.logs };
}
