import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/common/bytes.js';
import { orBlooms } from '../../src/chain/bloom.js';
import { receiptsRoot, transactionsRoot, withdrawalsRoot } from '../../src/chain/block-roots.js';
import type { ChainBlock } from '../../src/chain/chain.js';
import { devnetChainStream, type DevnetFork } from '../../src/chain/devnet-chain.js';
import { executedDevnetChain } from '../../src/chain/devnet-execution.js';
import { decodeHeader } from '../../src/chain/header.js';
import { toReceipt68 } from '../../src/chain/receipt.js';

async function collect(fork: DevnetFork, length: number): Promise<ChainBlock[]> {
  const out: ChainBlock[] = [];
  for await (const b of executedDevnetChain({ length, fork }).blocks()) out.push(b);
  return out;
}

describe('executed devnet chain', () => {
  it.each(['shanghai', 'cancun', 'prague', 'osaka'] as const)('%s: the generator’s blocks, linked, with state and receipts roots from execution', async (fork) => {
    const executed = await collect(fork, 12);
    const draft = [...devnetChainStream({ length: 12, fork }).blocks()];
    expect(executed).toHaveLength(13);
    expect(executed[0]!.header.hash).toEqual(draft[0]!.header.hash);
    const roots = new Set<string>();
    executed.forEach((b, i) => {
      const h = b.header;
      const d = draft[i]!;
      expect(decodeHeader(h.raw).hash).toEqual(h.hash);
      expect(b.body).toEqual(d.body);
      expect(h.txRoot).toEqual(transactionsRoot(b.body.transactions));
      expect(h.withdrawalsRoot).toEqual(withdrawalsRoot(b.body.withdrawals!));
      expect(h.receiptRoot).toEqual(receiptsRoot(b.receipts));
      expect(h.bloom).toEqual(orBlooms(b.receipts.map((r) => toReceipt68(r).bloom)));
      expect(h.gasUsed).toBe(d.header.gasUsed);
      expect(h.time).toBe(d.header.time);
      expect(h.parentBeaconRoot).toEqual(d.header.parentBeaconRoot);
      expect(h.requestsHash).toEqual(d.header.requestsHash);
      if (i > 0) {
        expect(h.parentHash).toEqual(executed[i - 1]!.header.hash);
        // A block changes the state by its transfers, withdrawals or (from Cancun) system calls.
        const changes = fork !== 'shanghai' || b.body.transactions.length > 0 || b.body.withdrawals!.length > 0;
        expect(bytesToHex(h.stateRoot) === bytesToHex(executed[i - 1]!.header.stateRoot)).toBe(!changes);
        if (changes) roots.add(bytesToHex(h.stateRoot));
      }
      expect(b.receipts.map((r) => r.outcome)).toEqual(b.body.transactions.map(() => 1));
    });
    expect(roots.size).toBe(fork === 'shanghai' ? 9 : 12);
  }, 120_000);

  it('is deterministic, and each blocks() call starts again from genesis', async () => {
    const chain = executedDevnetChain({ length: 6 });
    const hashes = async () => {
      const out: string[] = [];
      for await (const b of chain.blocks()) out.push(bytesToHex(b.header.hash));
      return out;
    };
    const first = await hashes();
    expect(await hashes()).toEqual(first);
    expect((await collect('prague', 6)).map((b) => bytesToHex(b.header.hash))).toEqual(first);
  }, 120_000);

  it('stops when its signal aborts', async () => {
    const ac = new AbortController();
    const seen: bigint[] = [];
    await expect(async () => {
      for await (const b of executedDevnetChain({ length: 50 }).blocks({ signal: ac.signal })) {
        seen.push(b.header.number);
        if (b.header.number === 2n) ac.abort(new Error('enough'));
      }
    }).rejects.toThrow('enough');
    expect(seen).toEqual([0n, 1n, 2n]);
  }, 60_000);
});
