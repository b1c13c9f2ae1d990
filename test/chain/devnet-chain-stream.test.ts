/** The devnet streamed to files: the same bytes as the in-memory chain, in memory that does not grow with its length. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesToHex, concatBytes } from '../../src/common/bytes.js';
import { encodeBlockItem } from '../../src/chain/block.js';
import { devnetChainStream, generateDevnetChain, writeDevnetChainFiles } from '../../src/chain/devnet-chain.js';
import { encodeReceiptsEntry } from '../../src/chain/receipts-file.js';
import { tempDir } from './chain-file-fixtures.js';

const DIST = fileURLToPath(new URL('../../dist/src/chain/devnet-chain.js', import.meta.url));

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('devp2p-ts-devnet-stream-'));
});
afterAll(() => cleanup());

describe('devnet chain, streamed', () => {
  it('yields the blocks generateDevnetChain holds, and starts again from genesis on every call', () => {
    const dev = generateDevnetChain({ length: 30, seed: 'stream' });
    const stream = devnetChainStream({ length: 30, seed: 'stream' });
    expect(stream.network).toEqual(dev.network);
    expect(stream.head).toBe(30n);
    for (let pass = 0; pass < 2; pass++) expect([...stream.blocks()].map((b) => bytesToHex(b.header.hash))).toEqual(dev.blocks.map((b) => bytesToHex(b.header.hash)));
  });

  it('writes the chain file and receipts file byte for byte as the in-memory chain encodes them', async () => {
    const dev = generateDevnetChain({ length: 40 });
    const out = join(dir, 'c.rlp');
    const receiptsOut = join(dir, 'r.rlp');
    const r = await writeDevnetChainFiles({ length: 40, out, receiptsOut });
    expect(r.blocks).toBe(41);
    expect(r.head.hash).toEqual(dev.chain.head().hash);
    const bytes = new Uint8Array(await readFile(out));
    expect(bytesToHex(bytes)).toBe(bytesToHex(concatBytes(...dev.blocks.map((b) => encodeBlockItem({ header: b.header, ...b.body })))));
    expect(r.bytes).toBe(bytes.length);
    const rbytes = new Uint8Array(await readFile(receiptsOut));
    expect(bytesToHex(rbytes)).toBe(bytesToHex(concatBytes(...dev.blocks.map((b) => encodeReceiptsEntry({ blockHash: b.header.hash, receipts: b.receipts })))));
    expect(r.receipts).toEqual({ entries: 41, bytes: rbytes.length });
  });

  it('writes 10,000 blocks inside a 32 MiB heap (holding them would take about 55 MiB)', async () => {
    expect(existsSync(DIST), 'dist/ is built (npm test runs tsc first)').toBe(true);
    const out = join(dir, 'big.rlp');
    const script = `const { writeDevnetChainFiles } = await import(${JSON.stringify(DIST)}); const r = await writeDevnetChainFiles({ length: 10000, out: ${JSON.stringify(out)}, receiptsOut: ${JSON.stringify(out + '.receipts')} }); console.log(r.blocks);`;
    const child = spawn(process.execPath, ['--max-old-space-size=32', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, stderr).toBe(0);
    expect(stdout.trim()).toBe('10001');
  }, 120_000);
});
