/**
 * scripts/export-receipts.mjs against a JSON-RPC node mock on 127.0.0.1 that answers as geth
 * does (eth_blockNumber, batched eth_getBlockReceipts), from the devnet chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { bytesToHex } from '../../src/common/bytes.js';
import { writeChainFile } from '../../src/chain/chain-file.js';
import { generateDevnetChain } from '../../src/chain/devnet-chain.js';
import { FileChain } from '../../src/chain/file-chain.js';
import type { Receipt69 } from '../../src/chain/receipt.js';
import { toReceipt68 } from '../../src/chain/receipt.js';
import { tempDir } from '../chain/chain-file-fixtures.js';
import { requireBuild, ROOT, runNode } from './serve-chain-harness.js';

const SCRIPT = join(ROOT, 'scripts/export-receipts.mjs');
const hex = (b: Uint8Array) => `0x${bytesToHex(b)}`;
const q = (n: bigint | number) => `0x${n.toString(16)}`;
const dev = generateDevnetChain({ length: 120 });

function rpcReceipt(r: Receipt69, blockHash: Uint8Array, n: bigint, i: number): object {
  return {
    blockHash: hex(blockHash),
    blockNumber: q(n),
    contractAddress: null,
    cumulativeGasUsed: q(r.cumulativeGasUsed),
    effectiveGasPrice: '0x3b9aca00',
    gasUsed: '0x5208',
    logs: [],
    logsBloom: hex(toReceipt68(r).bloom),
    status: q(r.outcome as number),
    transactionIndex: q(i),
    type: q(r.type),
  };
}

interface Call {
  jsonrpc: string;
  id: number;
  method: string;
  params: string[];
}

let server: Server;
let url: string;
let dir: string;
let cleanup: () => Promise<void>;
let batches = 0;
/** Block numbers the mock says it does not have. */
const missing = new Set<number>();

function answer(c: Call): object {
  if (c.method === 'eth_blockNumber') return { jsonrpc: '2.0', id: c.id, result: q(dev.chain.head().number) };
  if (c.method === 'eth_getBlockReceipts') {
    const n = Number(BigInt(c.params[0]!));
    const b = dev.blocks[n];
    if (b === undefined || missing.has(n)) return { jsonrpc: '2.0', id: c.id, result: null };
    return { jsonrpc: '2.0', id: c.id, result: b.receipts.map((r, i) => rpcReceipt(r, b.header.hash, b.header.number, i)) };
  }
  return { jsonrpc: '2.0', id: c.id, error: { code: -32601, message: `the method ${c.method} does not exist` } };
}

beforeAll(async () => {
  requireBuild();
  ({ dir, cleanup } = await tempDir('devp2p-ts-export-receipts-'));
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const calls = JSON.parse(body) as Call | Call[];
      if (Array.isArray(calls)) batches++;
      const reply = Array.isArray(calls) ? calls.map(answer).reverse() : answer(calls);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await cleanup();
});

describe('scripts/export-receipts.mjs', () => {
  it('exports every block\'s receipts from eth_getBlockReceipts; the file serves with its chain file', async () => {
    const chainFile = join(dir, 'chain.rlp');
    const out = join(dir, 'receipts.rlp');
    await writeChainFile(chainFile, dev.blocks.map((b) => ({ header: b.header, ...b.body })));
    batches = 0;
    const r = await runNode(SCRIPT, ['--rpc', url, '--out', out, '--batch', '25']);
    expect(r.code, r.stderr).toBe(0);
    const withTxs = dev.blocks.filter((b) => b.receipts.length > 0);
    expect(r.stdout).toMatch(new RegExp(`^wrote receipts of ${withTxs.length} blocks .* for blocks 0\\.\\.120 `));
    // One eth_blockNumber, then ceil(121 / 25) batches.
    expect(batches).toBe(1 + 5);
    const chain = await FileChain.load({ chainFile, receiptsFile: out });
    expect(chain.blocksWithoutReceipts).toBe(0);
    for (const b of dev.blocks) expect(chain.receiptsByHash(b.header.hash)).toEqual(b.receipts);
    chain.close();
  });

  it('--from/--to export a range', async () => {
    const out = join(dir, 'range.rlp');
    const r = await runNode(SCRIPT, ['--rpc', url, '--out', out, '--from', '10', '--to', '19']);
    expect(r.code, r.stderr).toBe(0);
    const n = dev.blocks.slice(10, 20).filter((b) => b.receipts.length > 0).length;
    expect(r.stdout).toMatch(new RegExp(`^wrote receipts of ${n} blocks`));
  });

  it('fails with one error line when the node lacks a block, and on usage errors', async () => {
    missing.add(7);
    try {
      const r = await runNode(SCRIPT, ['--rpc', url, '--out', join(dir, 'fail.rlp'), '--to', '20']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/error: block 7: the node does not have it/);
    } finally {
      missing.clear();
    }
    const u = await runNode(SCRIPT, ['--rpc', url, '--out', join(dir, 'x.rlp'), '--batch', '5000']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/^error: --batch must be 1\.\.1000/);
    const v = await runNode(SCRIPT, ['--out', join(dir, 'x.rlp')]);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/^error: --rpc URL is required/);
  });
});
