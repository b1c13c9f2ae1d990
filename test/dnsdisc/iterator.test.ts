/**
 * The random node iterator (geth's randomIterator tests, with our bounds): every node of a tree
 * and of the trees it links, updates on a new root, dropped links, trees set aside for a fault,
 * root rechecks after failures, and closing.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bytesToHex } from '../../src/common/bytes.js';
import { enrToText, type Enr } from '../../src/enode/enr.js';
import { ROOT_RECHECK_FAIL_COUNT, ROOT_SLOWDOWN_AFTER, ROOT_SLOWDOWN_LONG_AFTER, ROOT_SLOWDOWN_LONG_MS, ROOT_SLOWDOWN_MS } from '../../src/dnsdisc/client-tree.js';
import { DnsClient, type DnsClientConfig } from '../../src/dnsdisc/client.js';
import { entryHash } from '../../src/dnsdisc/entries.js';
import { DnsTreeLoopError } from '../../src/dnsdisc/errors.js';
import type { DnsNodeIterator } from '../../src/dnsdisc/iterator.js';
import { RateLimiter } from '../../src/dnsdisc/rate-limiter.js';
import { craftTree, signedTree, testRecords } from './fixtures.js';
import { MapResolver } from './map-resolver.js';

const iterators: DnsNodeIterator[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(iterators.splice(0).map((it) => it.return()));
});

function iterate(resolver: MapResolver, urls: string[], cfg: DnsClientConfig = {}, onError?: (err: unknown, tree: string) => void): DnsNodeIterator {
  const it = new DnsClient({ resolver, rateLimit: Infinity, ...cfg }).nodeIterator(urls, onError ? { onError } : {});
  iterators.push(it);
  return it;
}

const hex = (r: Enr) => bytesToHex(r.nodeId);

/** Pulls records until every one of `want` was seen; fails after `maxSteps` records. */
async function collect(it: DnsNodeIterator, want: readonly Enr[], maxSteps: number): Promise<Set<string>> {
  const need = new Set(want.map(hex));
  const seen = new Set<string>();
  for (let i = 0; i < maxSteps && [...need].some((id) => !seen.has(id)); i++) {
    const r = await it.next();
    if (r.done) break;
    seen.add(hex(r.value));
  }
  return seen;
}

describe('DnsNodeIterator', () => {
  it('yields every node of a tree, then starts over', async () => {
    const recs = testRecords(30);
    const { url, txt } = signedTree(recs, [], 'n');
    const it = iterate(new MapResolver(txt), [url]);
    const seen = await collect(it, recs, 30);
    expect([...seen].sort()).toEqual(recs.map(hex).sort());
    // Once all were visited it walks the tree again rather than ending.
    const again = await it.next();
    expect(again.done).toBe(false);
  });

  it('follows links: the nodes of linked trees come too, and the linked tree is walked', async () => {
    const a = testRecords(5, 'a');
    const b = testRecords(5, 'b');
    const tb = signedTree(b, [], 'b.example.org');
    const ta = signedTree(a, [tb.url], 'a.example.org');
    const it = iterate(new MapResolver(new Map([...ta.txt, ...tb.txt])), [ta.url]);
    const seen = await collect(it, [...a, ...b], 50);
    for (const r of [...a, ...b]) expect(seen.has(hex(r))).toBe(true);
    expect(it.treeDomains().sort()).toEqual(['a.example.org', 'b.example.org']);
  });

  it('a new root (higher seq, new nodes) is picked up at the next root check', async () => {
    const old = testRecords(3, 'old');
    const fresh = testRecords(3, 'new');
    const t1 = signedTree(old, [], 'n', 1n);
    const resolver = new MapResolver(t1.txt);
    const it = iterate(resolver, [t1.url], { recheckIntervalMs: 50 });
    await collect(it, old, 10);
    resolver.records = signedTree(fresh, [], 'n', 2n).txt;
    await new Promise((r) => setTimeout(r, 60));
    const seen = await collect(it, fresh, 30);
    for (const r of fresh) expect(seen.has(hex(r))).toBe(true);
  });

  it('a link dropped from a tree drops the linked tree at the next root check', async () => {
    const tb = signedTree(testRecords(2, 'b'), [], 'b.example.org');
    const ta1 = signedTree(testRecords(2, 'a'), [tb.url], 'a.example.org', 1n);
    const resolver = new MapResolver(new Map([...ta1.txt, ...tb.txt]));
    const it = iterate(resolver, [ta1.url], { recheckIntervalMs: 50 });
    await collect(it, testRecords(2, 'b'), 20);
    expect(it.treeDomains()).toContain('b.example.org');
    resolver.records = new Map([...signedTree(testRecords(2, 'a'), [], 'a.example.org', 2n).txt, ...tb.txt]);
    await new Promise((r) => setTimeout(r, 60));
    for (let i = 0; i < 10; i++) await it.next();
    expect(it.treeDomains()).toEqual(['a.example.org']);
  });

  it('a malformed tree is set aside (its typed error reported) while a good tree goes on', async () => {
    // A branch naming one leaf twice.
    const leaves = testRecords(2, 'bad').map(enrToText);
    const twice = craftTree({ domain: 'bad.example.org', eroot: `enrtree-branch:${entryHash(leaves[0]!)},${entryHash(leaves[0]!)}`, entries: leaves });
    const good = testRecords(5, 'good');
    const tg = signedTree(good, [], 'good.example.org');
    const resolver = new MapResolver(new Map([...twice.txt, ...tg.txt]));
    const errors: [unknown, string][] = [];
    const it = iterate(resolver, [twice.url, tg.url], {}, (err, tree) => errors.push([err, tree]));
    const seen = await collect(it, good, 40);
    for (const r of good) expect(seen.has(hex(r))).toBe(true);
    for (let i = 0; i < 40; i++) await it.next();
    const faults = errors.filter(([, t]) => t === 'bad.example.org');
    expect(faults.length).toBe(1);
    expect(faults[0]![0]).toBeInstanceOf(DnsTreeLoopError);
    // Set aside: no lookups of the bad tree since its fault.
    const badLookups = resolver.names.filter((n) => n.endsWith('bad.example.org')).length;
    for (let i = 0; i < 20; i++) await it.next();
    expect(resolver.names.filter((n) => n.endsWith('bad.example.org')).length).toBe(badLookups);
  });

  it(`rechecks the root after more than ROOT_RECHECK_FAIL_COUNT (${ROOT_RECHECK_FAIL_COUNT}) failed leaf lookups`, async () => {
    const recs = testRecords(20);
    const { url, txt } = signedTree(recs, [], 'n');
    // Serve the root and branches but no leaf: every leaf lookup fails.
    const leafless = new Map([...txt].filter(([, v]) => !v.startsWith('enr:')));
    const resolver = new MapResolver(leafless);
    const it = iterate(resolver, [url]);
    const next = it.next();
    const rootLookups = (): number => resolver.names.filter((n) => n === 'n').length;
    await vi.waitFor(() => expect(rootLookups()).toBeGreaterThanOrEqual(2), { timeout: 5_000 });
    const first = resolver.names.indexOf('n');
    const second = resolver.names.indexOf('n', first + 1);
    const failedLeaves = resolver.names.slice(first + 1, second).filter((n) => !leafless.has(n));
    expect(failedLeaves).toHaveLength(ROOT_RECHECK_FAIL_COUNT + 1);
    await it.return();
    await next;
  });

  it(`waits ROOT_SLOWDOWN_MS (${ROOT_SLOWDOWN_MS} ms) between root lookups after ROOT_SLOWDOWN_AFTER (${ROOT_SLOWDOWN_AFTER}) failures`, async () => {
    // Only setTimeout is faked: the iterator's setImmediate between failures runs for real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const resolver = new MapResolver(new Map()); // no root: every root lookup fails
    const it = iterate(resolver, [signedTree([], [], 'n').url]);
    const next = it.next();
    // (vi.waitFor would advance the fake clock: spin on real setImmediate instead.)
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
    };
    await settle();
    expect(resolver.lookups).toBe(ROOT_SLOWDOWN_AFTER + 1);
    await vi.advanceTimersByTimeAsync(ROOT_SLOWDOWN_MS - 1);
    expect(resolver.lookups).toBe(ROOT_SLOWDOWN_AFTER + 1);
    await settle();
    expect(resolver.lookups).toBe(ROOT_SLOWDOWN_AFTER + 1);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(resolver.lookups).toBe(ROOT_SLOWDOWN_AFTER + 2);
    await it.return();
    await vi.advanceTimersByTimeAsync(0);
    expect((await next).done).toBe(true);
  });

  it(`and ROOT_SLOWDOWN_LONG_MS (${ROOT_SLOWDOWN_LONG_MS} ms) after ROOT_SLOWDOWN_LONG_AFTER (${ROOT_SLOWDOWN_LONG_AFTER}) failures`, async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
    };
    const resolver = new MapResolver(new Map());
    const it = iterate(resolver, [signedTree([], [], 'n').url]);
    const next = it.next();
    await settle();
    while (resolver.lookups < ROOT_SLOWDOWN_LONG_AFTER + 1) {
      await vi.advanceTimersByTimeAsync(ROOT_SLOWDOWN_MS);
      await settle();
    }
    expect(resolver.lookups).toBe(ROOT_SLOWDOWN_LONG_AFTER + 1);
    await vi.advanceTimersByTimeAsync(ROOT_SLOWDOWN_LONG_MS - 1);
    await settle();
    expect(resolver.lookups).toBe(ROOT_SLOWDOWN_LONG_AFTER + 1);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(resolver.lookups).toBe(ROOT_SLOWDOWN_LONG_AFTER + 2);
    await it.return();
    await next;
  });

  it('an empty tree: next() waits for a root update; return() ends it with done', async () => {
    const { url, txt } = signedTree([], [], 'n');
    const it = iterate(new MapResolver(txt), [url]);
    const next = it.next();
    let settled = false;
    void next.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    await it.return();
    expect((await next).done).toBe(true);
    expect((await it.next()).done).toBe(true);
  });

  it("the options' signal ends it", async () => {
    const { url, txt } = signedTree([], [], 'n');
    const ctl = new AbortController();
    const it = new DnsClient({ resolver: new MapResolver(txt), rateLimit: Infinity }).nodeIterator([url], { signal: ctl.signal });
    const next = it.next();
    ctl.abort();
    expect((await next).done).toBe(true);
  });
});

describe('RateLimiter (geth: 3 lookups/s, burst 10)', () => {
  it('lets `burst` through at once, then one every 1/rate s', async () => {
    vi.useFakeTimers();
    const limiter = new RateLimiter(3, 10, () => Date.now());
    const signal = new AbortController().signal;
    for (let i = 0; i < 10; i++) await limiter.wait(signal);
    let done = false;
    const p = limiter.wait(signal).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(332);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    await p;
    expect(done).toBe(true);
  });

  it('an aborted wait gives its token back', async () => {
    vi.useFakeTimers();
    const limiter = new RateLimiter(1, 1, () => Date.now());
    await limiter.wait(new AbortController().signal);
    const ctl = new AbortController();
    const p = limiter.wait(ctl.signal);
    const reason = new Error('gone');
    ctl.abort(reason);
    await expect(p).rejects.toMatchObject({ name: 'AbortError', cause: reason });
    let done = false;
    const q = limiter.wait(new AbortController().signal).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    await q;
  });
});
