/**
 * geth's eth conformance suite (`devp2p rlpx eth-test`) against `devp2p-ts serve --chain` holding
 * the suite's own chain:
 * - devp2p v1.17.10 (eth/69 and up) with its ethtest chain, and receipts exported once from geth
 *   v1.17.10's JSON-RPC (a chain file carries none);
 * - devp2p v1.15.11 (eth/68) with its own, older ethtest chain.
 * The transaction tests need a transaction pool and block production behind an engine API: they
 * are out of scope and recorded as skipped. Every test lands in interop-report.json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildTool, ethtestData, exportReceipts, goBinary, toolCacheDir } from './geth-harness.js';
import { record, skipped } from './report.js';
import { failureReason, startServe, stopChild } from './serve-process.js';

const go = goBinary();

interface Suite {
  devp2p: string;
  /** Tests in scope: each must pass. */
  tests: string[];
  /** Tests out of scope, with why. */
  skip: Record<string, string>;
  /** eth versions our node offers to it. */
  eth: string;
  /** geth version whose JSON-RPC gives the receipts of this chain (none: the suite asks no receipts). */
  receiptsFrom?: string;
}

const TX_POOL = 'needs a transaction pool and block production (engine API): out of scope for a devp2p stack';
const SUITES: Suite[] = [
  {
    devp2p: 'v1.17.10',
    tests: [
      'Status', 'MaliciousHandshake', 'BlockRangeUpdateExpired', 'BlockRangeUpdateFuture', 'BlockRangeUpdateInvalid',
      'GetBlockHeaders', 'GetNonexistentBlockHeaders', 'SimultaneousRequests', 'SameRequestID', 'ZeroRequestID',
      'GetBlockAccessLists', 'GetBlockBodies', 'GetReceipts', 'GetLargeReceipts',
    ],
    skip: {
      LargeTxRequest: TX_POOL, Transaction: TX_POOL, InvalidTxs: TX_POOL, NewPooledTxs: TX_POOL, BlobViolations: TX_POOL,
      TestBlobTxWithoutSidecar: TX_POOL, TestBlobTxWithMismatchedSidecar: TX_POOL, BlobTxAvailabilityFailure: TX_POOL,
      GetCells: `eth/72 cells of blob transactions sent to our pool: ${TX_POOL}`, BlobTxWithInvalidCells: TX_POOL,
    },
    eth: '68,69,70,71,72',
    receiptsFrom: 'v1.17.10',
  },
  {
    devp2p: 'v1.15.11',
    tests: ['Status', 'GetBlockHeaders', 'GetNonexistentBlockHeaders', 'SimultaneousRequests', 'SameRequestID', 'ZeroRequestID', 'GetBlockBodies', 'MaliciousHandshake'],
    skip: {
      LargeTxRequest: TX_POOL, Transaction: TX_POOL, InvalidTxs: TX_POOL, NewPooledTxs: TX_POOL, BlobViolations: TX_POOL,
      TestBlobTxWithoutSidecar: TX_POOL, TestBlobTxWithMismatchedSidecar: TX_POOL,
    },
    eth: '68,69,70',
  },
];

for (const suite of SUITES) {
  const node = `devp2p ${suite.devp2p} eth-test`;
  describe.skipIf(!go)(`geth's eth suite (devp2p ${suite.devp2p} rlpx eth-test) against devp2p-ts serve`, () => {
    let devp2p: string;
    let testdata: string;
    let serve: Awaited<ReturnType<typeof startServe>> | undefined;

    beforeAll(async () => {
      devp2p = await buildTool('devp2p', suite.devp2p);
      testdata = await ethtestData(go!, suite.devp2p);
      const args = ['--chain', join(testdata, 'chain.rlp'), '--genesis', join(testdata, 'genesis.json'), '--eth', suite.eth];
      if (suite.receiptsFrom) {
        // Exported once per version from geth's own JSON-RPC, then cached beside the Go builds.
        const dir = join(toolCacheDir(), 'receipts');
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `ethtest-${suite.receiptsFrom}.rlp`);
        if (!existsSync(file)) await exportReceipts(await buildTool('geth', suite.receiptsFrom), testdata, file);
        args.push('--receipts', file);
      }
      serve = await startServe(args);
    });
    afterAll(async () => {
      if (serve) await stopChild(serve.child);
    });

    it(`passes ${suite.tests.length} tests in scope`, async () => {
      const out = await new Promise<string>((resolve) => {
        execFile(
          devp2p,
          // The engine API is only used by the transaction tests (out of scope): a dead endpoint will do.
          ['rlpx', 'eth-test', '--chain', testdata, '--engineapi', 'http://127.0.0.1:1', '--jwtsecret', '0x' + '00'.repeat(32), '--run', `^(${suite.tests.join('|')})$`, '--node', serve!.enode],
          { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
          (_err, stdout, stderr) => resolve(stdout + stderr),
        );
      });
      const results = new Map<string, string>();
      // utesting's plain output: `-- RUN Name`, then `-- OK Name (time)` or `-- FAIL Name (time)`.
      for (const m of out.matchAll(/^-- (OK|FAIL) (\S+)/gm)) results.set(m[2]!, m[1] === 'OK' ? 'ok' : 'not ok');
      for (const t of suite.tests) {
        const status = results.get(t);
        const reason = status === 'ok' ? undefined : status === undefined ? 'not run' : failureReason(out, t);
        record({ node, check: t, status: status === 'ok' ? 'passed' : 'failed', ...(reason ? { reason } : {}), ms: 0 });
      }
      for (const [t, why] of Object.entries(suite.skip)) skipped(node, t, why);
      const failed = suite.tests.filter((t) => results.get(t) !== 'ok');
      expect(failed, `${out.slice(-6000)}\n--- serve log ---\n${serve!.log().slice(-3000)}`).toEqual([]);
    }, 660_000);
  });
}
