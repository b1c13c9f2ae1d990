/** `serve --chain`'s index stays compact: a bounded number of bytes per block once loaded. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { equalBytes } from '../../src/common/bytes.js';
import { devnetChainStream, writeDevnetChainFiles } from '../../src/chain/devnet-chain.js';
import { FILE_CHAIN_INDEX_BYTES_PER_BLOCK, FileChain } from '../../src/chain/file-chain.js';
import { tempDir } from './chain-file-fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('devp2p-ts-file-chain-index-'));
});
afterAll(() => cleanup());

describe('FileChain index', () => {
  it('holds at most FILE_CHAIN_INDEX_BYTES_PER_BLOCK per block, at the hash table’s emptiest, and still finds every block', async () => {
    // 2,049 blocks: one past half of a 4,096-slot table, so the table has just doubled to 8,192 slots.
    const length = 2048;
    const out = join(dir, 'c.rlp');
    const receiptsOut = join(dir, 'r.rlp');
    await writeDevnetChainFiles({ length, out, receiptsOut });
    const chain = await FileChain.load({ chainFile: out, receiptsFile: receiptsOut });
    try {
      expect(chain.length).toBe(length + 1);
      const perBlock = chain.indexBytes / chain.length;
      expect(perBlock).toBeLessThanOrEqual(FILE_CHAIN_INDEX_BYTES_PER_BLOCK);
      expect(perBlock).toBeGreaterThan(FILE_CHAIN_INDEX_BYTES_PER_BLOCK - 1);
      for (const b of devnetChainStream({ length }).blocks()) {
        if (b.header.number % 97n !== 0n) continue;
        expect(equalBytes(chain.headerByHash(b.header.hash)!.hash, b.header.hash)).toBe(true);
        expect(chain.receiptsByHash(b.header.hash)).toHaveLength(b.receipts.length);
      }
    } finally {
      chain.close();
    }
  });
});
