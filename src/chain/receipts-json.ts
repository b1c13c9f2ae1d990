/**
 * Receipts from geth's JSON-RPC: `eth_getBlockReceipts` (and `eth_getTransactionReceipt`)
 * objects converted to {@link Receipt69}. Only the consensus fields are read (`type`,
 * `status` or pre-Byzantium `root`, `cumulativeGasUsed`, and each log's `address`, `topics`,
 * `data`); the rest (`gasUsed`, `effectiveGasPrice`, `logsBloom`, ...) is derived data.
 */
import { hexToBytes } from '../common/bytes.js';
import { DecodeError } from '../common/errors.js';
import type { Log, Receipt69, ReceiptOutcome } from './receipt.js';
import { MAX_TX_TYPE } from './transaction.js';

const WHAT = 'eth_getBlockReceipts';

function obj(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new DecodeError(WHAT, field, 'expected an object');
  return v as Record<string, unknown>;
}

function arr(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) throw new DecodeError(WHAT, field, 'expected an array');
  return v;
}

/** A JSON-RPC quantity ("0x"-prefixed hex) of at most `bits` bits. */
function quantity(v: unknown, field: string, bits: number): bigint {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(v)) throw new DecodeError(WHAT, field, `expected a hex quantity, got ${JSON.stringify(v)}`);
  const n = BigInt(v);
  if (n >> BigInt(bits) !== 0n) throw new DecodeError(WHAT, field, `out of range for uint${bits}`);
  return n;
}

/** "0x"-prefixed hex data, of exactly `length` bytes if given. */
function data(v: unknown, field: string, length?: number): Uint8Array {
  if (typeof v !== 'string' || !v.startsWith('0x')) throw new DecodeError(WHAT, field, 'expected 0x-prefixed hex data');
  let b: Uint8Array;
  try {
    b = hexToBytes(v);
  } catch {
    throw new DecodeError(WHAT, field, 'invalid hex data');
  }
  if (length !== undefined && b.length !== length) throw new DecodeError(WHAT, field, `expected ${length} bytes, got ${b.length}`);
  return b;
}

function logFromRpc(v: unknown, field: string): Log {
  const o = obj(v, field);
  return {
    address: data(o['address'], `${field}.address`, 20),
    topics: arr(o['topics'], `${field}.topics`).map((t, i) => data(t, `${field}.topics[${i}]`, 32)),
    data: data(o['data'], `${field}.data`),
  };
}

/** Converts one receipt object (as eth_getTransactionReceipt returns it). Throws DecodeError naming the field. */
export function receiptFromRpc(v: unknown, field = 'receipt'): Receipt69 {
  const o = obj(v, field);
  // geth omits `type` on nothing it returns today; very old nodes did, and those were legacy.
  const type = o['type'] === undefined ? 0 : Number(quantity(o['type'], `${field}.type`, 8));
  if (type > MAX_TX_TYPE) throw new DecodeError(WHAT, `${field}.type`, `invalid receipt type 0x${type.toString(16)}`);
  let outcome: ReceiptOutcome;
  if (typeof o['root'] === 'string' && o['root'] !== '0x') outcome = data(o['root'], `${field}.root`, 32);
  else {
    const s = quantity(o['status'], `${field}.status`, 8);
    if (s > 1n) throw new DecodeError(WHAT, `${field}.status`, `expected 0x0 or 0x1, got ${String(o['status'])}`);
    outcome = s === 1n ? 1 : 0;
  }
  return {
    type,
    outcome,
    cumulativeGasUsed: quantity(o['cumulativeGasUsed'], `${field}.cumulativeGasUsed`, 64),
    logs: arr(o['logs'], `${field}.logs`).map((l, i) => logFromRpc(l, `${field}.logs[${i}]`)),
  };
}

/** Converts an `eth_getBlockReceipts` result (the array), in transaction order. */
export function receiptsFromRpc(v: unknown): Receipt69[] {
  return arr(v, 'result').map((r, i) => receiptFromRpc(r, `[${i}]`));
}

/**
 * The block hash an `eth_getBlockReceipts` result names (every receipt must agree), or
 * undefined for an empty result. Throws DecodeError.
 */
export function rpcReceiptsBlockHash(v: unknown): Uint8Array | undefined {
  let hash: Uint8Array | undefined;
  arr(v, 'result').forEach((r, i) => {
    const h = data(obj(r, `[${i}]`)['blockHash'], `[${i}].blockHash`, 32);
    if (hash !== undefined && hash.some((b, k) => b !== h[k])) throw new DecodeError(WHAT, `[${i}].blockHash`, 'receipts of one block name different block hashes');
    hash = h;
  });
  return hash;
}
