#!/usr/bin/env node
/**
 * Exports the receipts of a chain from a node's JSON-RPC (geth's `eth_getBlockReceipts`) as a
 * devp2p-ts receipts file (docs/chain-files.md), to serve next to a `geth export` chain file:
 *
 *   node scripts/export-receipts.mjs --rpc http://127.0.0.1:8545 --out receipts.rlp [--from 0] [--to N]
 *                                    [--batch 100] [--timeout 30000]
 *
 * `--to` defaults to the node's head (`eth_blockNumber`). Blocks without receipts (no
 * transactions) get no entry: they are served with an empty list anyway. Requests go out as
 * JSON-RPC batches of `--batch` blocks, one batch at a time. Needs the built library (`npm run build`).
 */
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../dist/src/chain/', import.meta.url));
if (!existsSync(`${DIST}receipts-file.js`)) {
  process.stderr.write('error: dist/ is missing: run `npm run build` first\n');
  process.exit(1);
}
const { writeReceiptsFile } = await import(`${DIST}receipts-file.js`);
const { receiptsFromRpc, rpcReceiptsBlockHash } = await import(`${DIST}receipts-json.js`);

/** Most blocks per JSON-RPC batch (geth's default `BatchRequestLimit` is 1000). */
const MAX_BATCH = 1000;

function usage(message) {
  process.stderr.write(`error: ${message}\nusage: node scripts/export-receipts.mjs --rpc URL --out FILE [--from N] [--to N] [--batch N] [--timeout MS]\n`);
  process.exit(2);
}

function intOption(name, v, dflt) {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) usage(`--${name} must be a non-negative integer`);
  return BigInt(v);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      rpc: { type: 'string' },
      out: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      batch: { type: 'string' },
      timeout: { type: 'string' },
    },
    strict: true,
  }));
} catch (err) {
  usage(err.message);
}
if (!values.rpc) usage('--rpc URL is required');
if (!values.out) usage('--out FILE is required');
const batchSize = Number(intOption('batch', values.batch, 100n));
if (batchSize < 1 || batchSize > MAX_BATCH) usage(`--batch must be 1..${MAX_BATCH}`);
const timeoutMs = Number(intOption('timeout', values.timeout, 30_000n));

let nextId = 1;
/** Posts a JSON-RPC batch; returns the results in call order. Throws on any error. */
async function rpcBatch(calls) {
  const body = calls.map(([method, params]) => ({ jsonrpc: '2.0', id: nextId++, method, params }));
  const res = await fetch(values.rpc, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`${values.rpc}: HTTP ${res.status}`);
  const replies = await res.json();
  if (!Array.isArray(replies)) throw new Error(`${values.rpc}: expected a batch reply, got ${JSON.stringify(replies).slice(0, 200)}`);
  const byId = new Map(replies.map((r) => [r.id, r]));
  return body.map((b) => {
    const r = byId.get(b.id);
    if (r === undefined) throw new Error(`${b.method}: no reply`);
    if (r.error) throw new Error(`${b.method}(${b.params.join(', ')}): ${r.error.message ?? JSON.stringify(r.error)}`);
    return r.result;
  });
}

const from = intOption('from', values.from, 0n);
const to = values.to === undefined ? BigInt((await rpcBatch([['eth_blockNumber', []]]))[0]) : intOption('to', values.to, 0n);
if (to < from) usage(`--to ${to} is below --from ${from}`);

let done = 0n;
async function* entries() {
  for (let start = from; start <= to; start += BigInt(batchSize)) {
    const end = start + BigInt(batchSize) - 1n < to ? start + BigInt(batchSize) - 1n : to;
    const numbers = [];
    for (let n = start; n <= end; n++) numbers.push(n);
    const results = await rpcBatch(numbers.map((n) => ['eth_getBlockReceipts', [`0x${n.toString(16)}`]]));
    for (let i = 0; i < numbers.length; i++) {
      const result = results[i];
      if (result === null) throw new Error(`block ${numbers[i]}: the node does not have it`);
      const blockHash = rpcReceiptsBlockHash(result);
      if (blockHash !== undefined) yield { blockHash, receipts: receiptsFromRpc(result) };
    }
    done += BigInt(numbers.length);
    process.stderr.write(`\rblocks ${from}..${end} of ${to} (${done} done)`);
  }
  process.stderr.write('\n');
}

try {
  const written = await writeReceiptsFile(values.out, entries());
  process.stdout.write(`wrote receipts of ${written.entries} blocks (${written.bytes} bytes) for blocks ${from}..${to} to ${values.out}\n`);
} catch (err) {
  process.stderr.write(`\nerror: ${err.message}\n`);
  process.exit(1);
}
