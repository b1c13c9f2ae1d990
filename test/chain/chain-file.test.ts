import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesToHex, concatBytes } from '../../src/common/bytes.js';
import type { Block } from '../../src/chain/block.js';
import { encodeBlockItem } from '../../src/chain/block.js';
import { MAX_CHAIN_FILE_BLOCK_SIZE, readChainFile, writeChainFile, type ChainFileReadOptions } from '../../src/chain/chain-file.js';
import { generateDevnetChain } from '../../src/chain/devnet-chain.js';
import { ChainFileError, type ChainFileFailure } from '../../src/chain/rlp-file.js';
import { ETHTEST_GENESIS, ethtestData, skipNote, tempDir } from './chain-file-fixtures.js';
import { mutate, mutation } from '../eth/arbitraries.js';

const hex = (b: Uint8Array) => `0x${bytesToHex(b)}`;
/** Byte equality as hex (vitest's deep equality is slow on large typed arrays). */
const expectSameBytes = (a: Uint8Array, b: Uint8Array) => expect(bytesToHex(a)).toBe(bytesToHex(b));
const dev = generateDevnetChain({ length: 40 });
const blocks: Block[] = dev.blocks.map((b) => ({ header: b.header, ...b.body }));
const encoded = blocks.map(encodeBlockItem);
const offsets = encoded.map((_, i) => encoded.slice(0, i).reduce((n, e) => n + e.length, 0));

let dir: string;
let cleanup: () => Promise<void>;
let fileNo = 0;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('devp2p-ts-chainfile-'));
});
afterAll(() => cleanup());

async function fileOf(bytes: Uint8Array): Promise<string> {
  const p = join(dir, `chain-${fileNo++}.rlp`);
  await writeFile(p, bytes);
  return p;
}

async function readAll(path: string, opts: ChainFileReadOptions = {}): Promise<Block[]> {
  const out: Block[] = [];
  for await (const { block } of readChainFile(path, opts)) out.push(block);
  return out;
}

/** The ChainFileError reading `path` throws. */
async function failure(path: string, opts: ChainFileReadOptions = {}): Promise<ChainFileError> {
  try {
    await readAll(path, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ChainFileError);
    return err as ChainFileError;
  }
  throw new Error('read succeeded');
}

async function expectFailure(bytes: Uint8Array, reason: ChainFileFailure, offset: number | undefined, opts: ChainFileReadOptions = {}): Promise<ChainFileError> {
  const err = await failure(await fileOf(bytes), opts);
  expect(err.reason, err.message).toBe(reason);
  expect(err.offset).toBe(offset);
  return err;
}

describe('chain file round trip', () => {
  it('writes geth export bytes: the blocks RLP-encoded back to back, genesis first', async () => {
    const p = join(dir, 'written.rlp');
    const r = await writeChainFile(p, blocks);
    const bytes = new Uint8Array(await readFile(p));
    expectSameBytes(bytes, concatBytes(...encoded));
    expect(r).toEqual({ blocks: 41, bytes: bytes.length });
  });

  for (const chunkSize of [64, 1000, undefined]) {
    it(`reads back identical blocks (${chunkSize ?? 'default'}-byte reads)`, async () => {
      const p = join(dir, 'roundtrip.rlp');
      await writeChainFile(p, blocks);
      const back = await readAll(p, chunkSize === undefined ? {} : { chunkSize });
      expect(back.map((b) => hex(b.header.hash))).toEqual(blocks.map((b) => hex(b.header.hash)));
      expectSameBytes(concatBytes(...back.map(encodeBlockItem)), concatBytes(...encoded));
      expect(back[4]!.withdrawals).toHaveLength(2);
      expect(back[1]!.transactions.length).toBeGreaterThan(0);
    });
  }

  it('reports each block with its byte offset', async () => {
    const p = join(dir, 'offsets.rlp');
    await writeChainFile(p, blocks);
    const seen: number[] = [];
    for await (const { offset } of readChainFile(p)) seen.push(offset);
    expect(seen).toEqual(offsets);
  });

  it('accepts blocks from an async iterable and a file that starts after genesis', async () => {
    async function* from5() {
      for (const b of blocks.slice(5)) yield b;
    }
    const p = join(dir, 'from5.rlp');
    await writeChainFile(p, from5());
    const back = await readAll(p);
    expect(back[0]!.header.number).toBe(5n);
    expect(back).toHaveLength(36);
  });

  it('reads an empty file as no blocks', async () => {
    expect(await readAll(await fileOf(new Uint8Array(0)))).toEqual([]);
  });
});

describe('chain file errors', () => {
  const whole = concatBytes(...encoded);

  it('truncated: the file ends inside a block, named by the block offset', async () => {
    const cut = offsets[7]! + 100;
    const err = await expectFailure(whole.subarray(0, cut), 'truncated', offsets[7]);
    expect(err.message).toMatch(/at byte \d+: truncated/);
    // Inside the length bytes of a long header, too.
    await expectFailure(whole.subarray(0, offsets[7]! + 1), 'truncated', offsets[7]);
  });

  it('oversized: a block above the limit is refused from its header, without reading it', async () => {
    // A header claiming a 2^40-byte list, followed by nothing.
    await expectFailure(Uint8Array.of(0xfd, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00), 'oversized', 0);
    await expectFailure(whole, 'oversized', offsets[1], { maxBlockSize: encoded[0]!.length });
    expect(MAX_CHAIN_FILE_BLOCK_SIZE).toBe(16 * 1024 * 1024);
  });

  it('decode: a top-level byte string, non-canonical lengths, or a list that is not a block', async () => {
    await expectFailure(concatBytes(encoded[0]!, Uint8Array.of(0x83, 1, 2, 3)), 'decode', offsets[1]);
    await expectFailure(Uint8Array.of(0xf8, 0x01, 0x00), 'decode', 0);
    await expectFailure(Uint8Array.of(0xf9, 0x00, 0x40, ...new Uint8Array(0x40)), 'decode', 0);
    await expectFailure(Uint8Array.of(0xc3, 0x01, 0x02, 0x03), 'decode', 0);
  });

  it('linkage: a missing block or a block from another chain', async () => {
    await expectFailure(concatBytes(...encoded.slice(0, 10), ...encoded.slice(11)), 'linkage', offsets[10]);
    const other = generateDevnetChain({ length: 3, seed: 'another chain' }).blocks.map((b) => encodeBlockItem({ header: b.header, ...b.body }));
    await expectFailure(concatBytes(encoded[0]!, encoded[1]!, other[2]!), 'linkage', offsets[2]);
  });

  it('body-mismatch: a body that is not the one the header commits to', async () => {
    const b1 = blocks[1]!;
    const swapped = encodeBlockItem({ ...b1, transactions: blocks[2]!.transactions });
    const err = await expectFailure(concatBytes(encoded[0]!, swapped), 'body-mismatch', offsets[1]);
    expect(err.message).toMatch(/transactions/);
    const noWithdrawals = encodeBlockItem({ header: blocks[4]!.header, transactions: blocks[4]!.transactions, uncles: [] });
    await expectFailure(concatBytes(...encoded.slice(0, 4), noWithdrawals), 'body-mismatch', offsets[4]);
    // Unchecked on request.
    expect(await readAll(await fileOf(concatBytes(encoded[0]!, swapped)), { verifyBodies: false })).toHaveLength(2);
  });

  it('stops between blocks when aborted', async () => {
    const ac = new AbortController();
    const p = await fileOf(whole);
    let n = 0;
    await expect(
      (async () => {
        for await (const _ of readChainFile(p, { signal: ac.signal })) if (++n === 3) ac.abort(new Error('stop'));
      })(),
    ).rejects.toThrow('stop');
    expect(n).toBe(3);
  });

  it('mutated files give blocks that re-encode to the file, or a ChainFileError', async () => {
    const small = concatBytes(...encoded.slice(0, 12));
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.constantFrom(64, 4096), async (ms, chunkSize) => {
        let data = small;
        for (const m of ms) data = mutate(data, m);
        const p = await fileOf(data);
        let back: Block[];
        try {
          back = await readAll(p, { chunkSize });
        } catch (err) {
          expect(err).toBeInstanceOf(ChainFileError);
          const e = err as ChainFileError;
          expect(e.offset === undefined || (e.offset >= 0 && e.offset < data.length)).toBe(true);
          return;
        }
        // Accepted: then the file was exactly these (linked, consistent) blocks.
        expectSameBytes(concatBytes(...back.map(encodeBlockItem)), data);
        for (let i = 1; i < back.length; i++) expect(hex(back[i]!.header.parentHash)).toBe(hex(back[i - 1]!.header.hash));
      }),
      { numRuns: 200 },
    );
  });
});

for (const version of ['v1.17.0', 'v1.17.10']) {
  const data = ethtestData(version);
  describe.skipIf(data === undefined)(`ethtest ${version} chain.rlp${skipNote(version, data !== undefined)}`, () => {
    it('loads blocks 1..head, linked, ending at headblock.json', async () => {
      const all = await readAll(data!.chainFile);
      expect(all[0]!.header.number).toBe(1n);
      expect(hex(all[0]!.header.parentHash)).toBe(ETHTEST_GENESIS[version]);
      const last = all[all.length - 1]!;
      expect(last.header.number).toBe(data!.headNumber);
      expect(all).toHaveLength(Number(data!.headNumber));
      expect(hex(last.header.hash)).toBe(data!.headHash);
      // The file is exactly the blocks: nothing skipped, nothing re-encoded differently.
      expectSameBytes(concatBytes(...all.map(encodeBlockItem)), new Uint8Array(await readFile(data!.chainFile)));
      expect(all.some((b) => b.transactions.length > 0)).toBe(true);
    });
  });
}
