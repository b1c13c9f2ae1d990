import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { equalBytes } from '../../../src/common/bytes.js';
import { keccak256 } from '../../../src/crypto/keccak.js';
import { EthRequestError } from '../../../src/eth/errors.js';
import { makeHeader, type BlockHeader } from '../../../src/chain/header.js';
import { HeaderStore } from '../../../src/sync/headers/header-store.js';
import { HeaderSync, MAX_BUFFERED_CHUNKS, SyncError, type SyncPeer } from '../../../src/sync/headers/header-sync.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'devp2p-ts-sync-'));
  dirs.push(d);
  return d;
}

/** A valid post-merge header chain (cheap: headers only). */
function headerChain(n: number, tag = 'main'): BlockHeader[] {
  const out: BlockHeader[] = [];
  for (let i = 0; i <= n; i++) {
    const parent = out[i - 1];
    out.push(makeHeader({
      parentHash: parent?.hash ?? new Uint8Array(32),
      uncleHash: keccak256(Uint8Array.of(0xc0)),
      coinbase: new Uint8Array(20),
      stateRoot: keccak256(new TextEncoder().encode(`${tag}-state-${i}`)),
      txRoot: new Uint8Array(32),
      receiptRoot: new Uint8Array(32),
      bloom: new Uint8Array(256),
      difficulty: 0n,
      number: BigInt(i),
      gasLimit: 30_000_000n,
      gasUsed: 0n,
      time: 1_700_000_000n + BigInt(i) * 12n,
      extra: new TextEncoder().encode(tag),
      mixDigest: new Uint8Array(32),
      nonce: new Uint8Array(8),
      baseFee: 1_000_000_000n,
      withdrawalsRoot: new Uint8Array(32),
      blobGasUsed: 0n,
      excessBlobGas: 0n,
      parentBeaconRoot: new Uint8Array(32),
      requestsHash: new Uint8Array(32),
    }));
  }
  return out;
}

type Behaviour = 'good' | 'wrong-header' | 'forged-chunk' | 'stall';

class FakePeer implements SyncPeer {
  penalties: string[] = [];
  served = 0;
  servedHeaders = 0;
  onServe?: () => void;
  /** Misbehaves on every chunk that overlaps [badFrom, badTo] ("in the middle" of the chain). */
  constructor(readonly id: string, private readonly chain: BlockHeader[], private readonly behaviour: Behaviour = 'good', private readonly badFrom = 0n, private readonly badTo = -1n) {}

  async getHeaders(from: bigint, amount: number, opts: { timeoutMs: number; signal: AbortSignal }): Promise<BlockHeader[]> {
    if (this.behaviour === 'stall') {
      return new Promise((_, reject) => {
        const t = setTimeout(() => reject(new EthRequestError('timeout', 'GetBlockHeaders', `no response within ${opts.timeoutMs} ms`)), opts.timeoutMs);
        opts.signal.addEventListener('abort', () => (clearTimeout(t), reject(new Error('aborted'))), { once: true });
      });
    }
    await new Promise((r) => setImmediate(r));
    this.served++;
    const part = this.chain.slice(Number(from), Number(from) + amount);
    const covers = from <= this.badTo && this.badFrom < from + BigInt(amount);
    if (covers && this.behaviour === 'wrong-header') {
      const i = Math.floor(part.length / 2);
      part[i] = makeHeader({ ...part[i]!, extra: new TextEncoder().encode('evil') });
    }
    if (covers && this.behaviour === 'forged-chunk') {
      // A self-consistent fake segment: it links below but not to the real chain above.
      const fake = headerChain(Number(from) + amount, 'evil').slice(Number(from), Number(from) + amount);
      fake[0] = makeHeader({ ...fake[0]!, parentHash: part[0]!.parentHash });
      for (let i = 1; i < fake.length; i++) fake[i] = makeHeader({ ...fake[i]!, parentHash: fake[i - 1]!.hash });
      return fake;
    }
    this.servedHeaders += part.length;
    this.onServe?.();
    return part;
  }

  async getHeaderByHash(hash: Uint8Array): Promise<BlockHeader | undefined> {
    return this.chain.find((h) => equalBytes(h.hash, hash));
  }

  penalize(kind: string, detail: string): void {
    this.penalties.push(`${kind}: ${detail}`);
  }
}

describe('header sync', () => {
  const chain = headerChain(20_000);
  const head = chain[chain.length - 1]!;
  const target = { number: head.number, hash: head.hash };

  it('syncs 20,000 headers from three peers, one serving a wrong header and one stalling', async () => {
    const dir = tmp();
    const store = HeaderStore.open(dir);
    const good = new FakePeer('good', chain);
    const bad = new FakePeer('bad', chain, 'wrong-header', 5_000n, 15_000n);
    const stall = new FakePeer('stall', chain, 'stall');
    const peers = [good, bad, stall];
    const sync = new HeaderSync({ store, target, fromHash: chain[0]!.hash, peers: () => peers, requestTimeoutMs: 200 });
    const result = await sync.run();
    expect(result.headers).toBe(20_001n);
    expect(store.lowest).toBe(0n);
    for (const h of chain) expect(equalBytes(store.get(h.number)!.hash, h.hash)).toBe(true);
    expect(bad.penalties.some((p) => p.startsWith('invalid-message'))).toBe(true);
    expect(stall.penalties.some((p) => p.startsWith('timeout'))).toBe(true);
    expect(good.penalties).toEqual([]);
    expect(result.rejected.bad).toBeGreaterThanOrEqual(1);
    // No header written twice: the store holds exactly one item per header.
    expect(store.size).toBe(chain.length);
    store.close();
  });

  it('catches a forged but self-consistent chunk by the link to the verified chain above it', async () => {
    const store = HeaderStore.open(tmp());
    const small = chain.slice(0, 3001);
    const forger = new FakePeer('forger', small, 'forged-chunk', 1_000n, 2_000n);
    const honest = new FakePeer('honest', small);
    const sync = new HeaderSync({ store, target: { number: 3000n, hash: small[3000]!.hash }, fromHash: small[0]!.hash, peers: () => [forger, honest], chunkSize: 100 });
    await sync.run();
    for (const h of small) expect(equalBytes(store.get(h.number)!.hash, h.hash)).toBe(true);
    expect(forger.penalties, JSON.stringify(forger.penalties)).toContainEqual(expect.stringMatching(/does not link to the verified header/));
    store.close();
  });

  it('resumes where it stopped, without losing or duplicating headers', async () => {
    const dir = tmp();
    let store = HeaderStore.open(dir);
    const peers = [new FakePeer('a', chain), new FakePeer('b', chain)];
    const ac = new AbortController();
    const first = new HeaderSync({ store, target, peers: () => peers, signal: ac.signal });
    // Stopped as soon as a stored batch passes 15,000 (one batch holds at most 64 chunks of 192).
    const append = store.appendAsync.bind(store);
    store.appendAsync = async (headers) => {
      await append(headers);
      if (store.lowest! < 15_000n) ac.abort();
    };
    await expect(first.run()).rejects.toBeInstanceOf(SyncError);
    const stoppedAt = store.lowest!;
    expect(stoppedAt).toBeGreaterThan(0n);
    expect(stoppedAt).toBeLessThan(20_000n);
    store.close();
    store = HeaderStore.open(dir);
    expect(store.lowest).toBe(stoppedAt);
    const second = new HeaderSync({ store, target, fromHash: chain[0]!.hash, peers: () => peers });
    const r = await second.run();
    expect(r.headers).toBe(stoppedAt); // only what was missing
    expect(store.lowest).toBe(0n);
    expect(store.size).toBe(chain.length);
    store.close();
  });

  it('resumed to a newer head, joins the headers an earlier sync stored and fetches only below them', async () => {
    const store = HeaderStore.open(tmp());
    // An earlier sync to 15,000 stopped at 8,050 (not on a chunk boundary of this sync).
    store.setTarget({ number: 15_000n, hash: chain[15_000]!.hash });
    store.append([chain[15_000]!]);
    for (let hi = 14_999; hi >= 8_050; hi -= 1000) store.append(chain.slice(Math.max(8_050, hi - 999), hi + 1));
    expect(store.size).toBe(6_951);
    const peers = [new FakePeer('a', chain), new FakePeer('b', chain)];
    const sync = new HeaderSync({ store, target, fromHash: chain[0]!.hash, peers: () => peers, chunkSize: 100, stallTimeoutMs: 5_000 });
    await sync.run();
    expect(store.lowest).toBe(0n);
    for (let n = 0; n <= 20_000; n += 123) expect(equalBytes(store.get(BigInt(n))!.hash, chain[n]!.hash)).toBe(true);
    // Nothing stored twice, and the stored range was not fetched again (beyond the chunks in flight when the view jumped).
    expect(store.size).toBe(20_001);
    const served = peers.reduce((n, p) => n + p.served, 0);
    expect(served * 100).toBeLessThan(13_050 + 64 * 100 + 1000);
    store.close();
  });

  it('holds at most MAX_BUFFERED_CHUNKS chunks in hand while the store is slow', async () => {
    const store = HeaderStore.open(tmp());
    const small = chain.slice(0, 3001);
    const peers = [new FakePeer('a', small), new FakePeer('b', small)];
    let stored = 0;
    let most = 0;
    const served = () => peers.reduce((n, p) => n + p.servedHeaders, 0);
    for (const p of peers) p.onServe = () => (most = Math.max(most, served() - stored));
    const append = store.appendAsync.bind(store);
    store.appendAsync = async (headers) => {
      await new Promise((r) => setTimeout(r, 30));
      await append(headers);
      stored += headers.length;
    };
    const sync = new HeaderSync({ store, target: { number: 3000n, hash: small[3000]!.hash }, fromHash: small[0]!.hash, peers: () => peers, chunkSize: 10 });
    await sync.run();
    expect(store.lowest).toBe(0n);
    // Everything fetched and not yet stored fits the bound, and the bound is what held the sync back.
    expect(most).toBeLessThanOrEqual(MAX_BUFFERED_CHUNKS * 10);
    expect(most).toBeGreaterThan((MAX_BUFFERED_CHUNKS - 8) * 10);
    store.close();
  });

  it('gives up with SyncError when every peer fails', async () => {
    const store = HeaderStore.open(tmp());
    const small = chain.slice(0, 500);
    const s = new FakePeer('s', small, 'stall');
    const good = new FakePeer('g', small);
    // The target is fetched from the good peer, which leaves as it answers; the staller is all that remains.
    let peers: FakePeer[] = [good];
    const byHash = good.getHeaderByHash.bind(good);
    good.getHeaderByHash = async (hash) => {
      peers = [s];
      return byHash(hash);
    };
    const sync = new HeaderSync({ store, target: { number: 499n, hash: small[499]!.hash }, peers: () => peers, requestTimeoutMs: 50, stallTimeoutMs: 500 });
    await expect(sync.run()).rejects.toBeInstanceOf(SyncError);
    expect(good.served).toBe(0);
    store.close();
  });

  it('counts a timeout by its type: only an EthRequestError with reason timeout, not any error that says so', async () => {
    const store = HeaderStore.open(tmp());
    const small = chain.slice(0, 1000);
    const liar = new FakePeer('liar', small);
    liar.getHeaders = () => Promise.reject(new Error('upstream timeout'));
    const slow = new FakePeer('slow', small, 'stall');
    const good = new FakePeer('good', small);
    const sync = new HeaderSync({ store, target: { number: 999n, hash: small[999]!.hash }, fromHash: small[0]!.hash, peers: () => [liar, slow, good], requestTimeoutMs: 100, chunkSize: 100 });
    const result = await sync.run();
    expect(liar.penalties.length).toBeGreaterThan(0);
    expect(liar.penalties.every((p) => p.startsWith('invalid-message: upstream timeout'))).toBe(true);
    expect(result.timeouts['liar']).toBeUndefined();
    expect(slow.penalties.length).toBeGreaterThan(0);
    expect(slow.penalties.every((p) => p.startsWith('timeout: '))).toBe(true);
    expect(result.timeouts['slow']).toBe(slow.penalties.length);
    store.close();
  });
});
