/** Small header chains and temporary folders for the header store tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keccak256 } from '../../../src/crypto/keccak.js';
import { makeHeader, type BlockHeader } from '../../../src/chain/header.js';

/**
 * Blocks 0 .. n of a header chain. With `from` (a header of another chain) the chain forks off
 * it: the first header built is `from.number + 1`, and the array holds only the new headers at
 * their numbers (lower indexes empty).
 */
export function chainOf(n: number, tag = 'main', from?: BlockHeader): BlockHeader[] {
  const out: BlockHeader[] = [];
  const first = from === undefined ? 0 : Number(from.number) + 1;
  for (let i = first; i <= n; i++) {
    const parent = i === first ? from : out[i - 1];
    out[i] = makeHeader({
      parentHash: parent?.hash ?? new Uint8Array(32),
      uncleHash: new Uint8Array(32),
      coinbase: new Uint8Array(20),
      stateRoot: keccak256(new TextEncoder().encode(`${tag}/${i}`)),
      txRoot: new Uint8Array(32),
      receiptRoot: new Uint8Array(32),
      bloom: new Uint8Array(256),
      difficulty: 0n,
      number: BigInt(i),
      gasLimit: 30_000_000n,
      gasUsed: 0n,
      time: 1_700_000_000n + 12n * BigInt(i),
      extra: new TextEncoder().encode(tag),
      mixDigest: new Uint8Array(32),
      nonce: new Uint8Array(8),
    });
  }
  return out;
}

/** Temporary folders removed by {@link TempDirs.cleanup}. */
export class TempDirs {
  private readonly dirs: string[] = [];

  make(prefix = 'devp2p-ts-store-'): string {
    const d = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(d);
    return d;
  }

  cleanup(): void {
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}
