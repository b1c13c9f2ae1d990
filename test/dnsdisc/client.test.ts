/**
 * The DNS discovery client against a DNS server on 127.0.0.1 (dns-packet over UDP and TCP),
 * through node:dns: whole-tree sync, the checks on what it reads, and every bound ending in its
 * typed error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/common/bytes.js';
import { EnrBuilder, enrFromText, enrToText } from '../../src/enode/enr.js';
import { DNS_CACHE_LIMIT, DNS_LOOKUP_TIMEOUT_MS, DNS_RATE_BURST, DNS_RATE_LIMIT, DNS_SYNC_PARALLEL, DnsClient, type DnsClientConfig, MAX_SYNC_ENTRIES } from '../../src/dnsdisc/client.js';
import { entryHash, MAX_BRANCH_CHILDREN } from '../../src/dnsdisc/entries.js';
import {
  DnsBadSignatureError,
  DnsBranchTooWideError,
  DnsEntryError,
  DnsHashMismatchError,
  DnsLookupError,
  DnsNoEntryError,
  DnsNoRootError,
  DnsTimeoutError,
  DnsTreeLoopError,
  DnsTreeShapeError,
  DnsTreeTooLargeError,
} from '../../src/dnsdisc/errors.js';
import { SystemTxtResolver } from '../../src/dnsdisc/resolver.js';
import { startTxtServer, type TxtServer } from '../support/txt-server.js';
import { loadVectors } from '../support/vectors.js';
import { branchOf, craftTree, signedTree, testKey, testRecords } from './fixtures.js';
import { MapResolver } from './map-resolver.js';

interface Vectors {
  url: string;
  seq: number;
  records: Record<string, string>;
  nodes: string[];
  links: string[];
  bad_node_tree: Record<string, string>;
  bad_node_name: string;
}
const V = loadVectors<Vectors>('dnsdisc.json');

const servers: TxtServer[] = [];
const clients: DnsClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(records: ReadonlyMap<string, string | readonly string[]>, opts: Parameters<typeof startTxtServer>[1] = {}): Promise<TxtServer> {
  const s = await startTxtServer(records, opts);
  servers.push(s);
  return s;
}

function clientFor(srv: TxtServer, cfg: DnsClientConfig = {}): DnsClient {
  const c = new DnsClient({ resolver: new SystemTxtResolver({ servers: [srv.server] }), rateLimit: Infinity, ...cfg });
  clients.push(c);
  return c;
}

async function syncError(url: string, srv: TxtServer, cfg: DnsClientConfig = {}): Promise<unknown> {
  return clientFor(srv, cfg).syncTree(url).then(
    () => expect.unreachable('sync succeeded'),
    (err: unknown) => err,
  );
}

const ids = (recs: { nodeId: Uint8Array }[]) => recs.map((r) => bytesToHex(r.nodeId)).sort();

describe('syncTree', () => {
  it("syncs the EIP-1459 example tree: its three nodes, its link and its seq (geth's TestClientSyncTree)", async () => {
    const srv = await serve(new Map(Object.entries(V.records)));
    const tree = await clientFor(srv).syncTree(V.url);
    expect(ids(tree.records())).toEqual(ids(V.nodes.map(enrFromText)));
    expect(tree.links()).toEqual(V.links);
    expect(tree.seq).toBe(BigInt(V.seq));
    // The synced tree republishes the same records.
    expect(new Map([...tree.toTxt('n')])).toEqual(new Map(Object.entries(V.records)));
  });

  it('syncs a 300-node tree we made, every lookup over UDP', async () => {
    const recs = testRecords(300);
    const { url, txt } = signedTree(recs, [], 'nodes.example.org');
    const srv = await serve(txt);
    const c = clientFor(srv);
    const tree = await c.syncTree(url);
    expect(ids(tree.records())).toEqual(ids(recs));
    expect(c.stats.lookups).toBe(txt.size);
    expect(srv.stats.udp).toBe(txt.size);
  });

  it('reads a record too long for one UDP answer over TCP, and joins its 255-byte strings', async () => {
    const big = new EnrBuilder().ip(Uint8Array.of(10, 0, 0, 1)).tcp(1).set('pad', new Uint8Array(161)).sign(testKey('big'), 1n);
    expect(enrToText(big).length).toBeGreaterThan(400);
    const { url, txt } = signedTree([big], [], 'a-rather-long-subdomain.of-a-long-domain-name.nodes.example.org');
    const srv = await serve(txt);
    const tree = await clientFor(srv).syncTree(url);
    expect(tree.records().map(enrToText)).toEqual([enrToText(big)]);
    expect(srv.stats.tcp).toBeGreaterThan(0);
  });

  it('skips records of other kinds at an entry name, as geth does', async () => {
    const recs = testRecords(2);
    const { url, txt } = signedTree(recs, [], 'n');
    const name = `${entryHash(enrToText(recs[0]!))}.n`;
    const mixed = new Map<string, string | string[]>(txt);
    mixed.set(name, ['v=spf1 -all', txt.get(name)!]);
    expect(ids((await clientFor(await serve(mixed)).syncTree(url)).records())).toEqual(ids(recs));
  });

  it("fails with the entry's name when a leaf is not a record (geth's TestClientSyncTreeBadNode)", async () => {
    const err = await syncError(V.url, await serve(new Map(Object.entries(V.bad_node_tree))));
    expect(err).toBeInstanceOf(DnsEntryError);
    expect((err as DnsEntryError).kind).toBe('enr');
    expect((err as DnsEntryError).dnsName).toBe(V.bad_node_name);
  });

  it('a root signed by another key: DnsBadSignatureError', async () => {
    const { txt } = signedTree(testRecords(3), [], 'n', 1n, testKey('impostor'));
    const { url } = signedTree([], [], 'n');
    const err = await syncError(url, await serve(txt));
    expect(err).toBeInstanceOf(DnsBadSignatureError);
    expect((err as DnsBadSignatureError).domain).toBe('n');
  });

  it('an entry that is not the one its parent names: DnsHashMismatchError', async () => {
    const recs = testRecords(3);
    const { url, txt } = signedTree(recs, [], 'n');
    const name = `${entryHash(enrToText(recs[1]!))}.n`;
    const forged = new Map(txt).set(name, enrToText(testRecords(1, 'other')[0]!));
    const err = await syncError(url, await serve(forged));
    expect(err).toBeInstanceOf(DnsHashMismatchError);
    expect((err as DnsHashMismatchError).dnsName).toBe(name);
  });

  it('no root at the domain: DnsNoRootError; the domain unknown: DnsLookupError', async () => {
    const { url, txt } = signedTree(testRecords(1), [], 'n');
    const srv = await serve(new Map([...txt].map(([k, v]) => [k, k === 'n' ? 'hello' : v])));
    expect(await syncError(url, srv)).toBeInstanceOf(DnsNoRootError);
    const none = await syncError(url, await serve(new Map()));
    expect(none).toBeInstanceOf(DnsLookupError);
    expect((none as DnsLookupError).code).toBe('ENOTFOUND');
  });

  it('an entry name holding no tree entry: DnsNoEntryError', async () => {
    const leaf = enrToText(testRecords(1)[0]!);
    const { url, txt } = craftTree({ domain: 'n', eroot: leaf });
    txt.set(`${entryHash(leaf)}.n`, 'just text');
    expect(await syncError(url, await serve(txt))).toBeInstanceOf(DnsNoEntryError);
  });

  it('a branch naming one child twice: DnsTreeLoopError', async () => {
    const leaf = enrToText(testRecords(1)[0]!);
    const branch = `enrtree-branch:${entryHash(leaf)},${entryHash(leaf)}`;
    const { url, txt } = craftTree({ domain: 'n', eroot: branch, entries: [leaf] });
    const err = await syncError(url, await serve(txt));
    expect(err).toBeInstanceOf(DnsTreeLoopError);
    expect((err as DnsTreeLoopError).dnsName).toBe(`${entryHash(leaf)}.n`);
  });

  it('two branches sharing their children (2^depth paths over 2 entries per level) end at the second reference with DnsTreeLoopError', async () => {
    // Each level has two branches listing the same two children (in both orders): 2 entries
    // per level, 2^depth paths to every leaf for a walk that does not check.
    let level = testRecords(2).map(enrToText);
    const entries = [...level];
    for (let d = 0; d < 8; d++) {
      level = [branchOf(level), branchOf([...level].reverse())];
      entries.push(...level);
    }
    const { url, txt } = craftTree({ domain: 'n', eroot: branchOf(level), entries });
    const srv = await serve(txt);
    const c = clientFor(srv);
    const err = await c.syncTree(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DnsTreeLoopError);
    expect(c.stats.lookups).toBeLessThanOrEqual(txt.size); // each entry fetched once at most, not 2^8 times
  });

  it(`a branch wider than MAX_BRANCH_CHILDREN (${MAX_BRANCH_CHILDREN}): DnsBranchTooWideError naming it`, async () => {
    const leaves = testRecords(MAX_BRANCH_CHILDREN + 1).map(enrToText);
    const wide = branchOf(leaves);
    const { url, txt } = craftTree({ domain: 'n', eroot: wide, entries: leaves });
    const err = await syncError(url, await serve(txt));
    expect(err).toBeInstanceOf(DnsBranchTooWideError);
    expect(err).toMatchObject({ children: MAX_BRANCH_CHILDREN + 1, limit: MAX_BRANCH_CHILDREN, dnsName: `${entryHash(wide)}.n` });
    // At the limit it syncs.
    const ok = craftTree({ domain: 'n', eroot: branchOf(leaves.slice(1)), entries: leaves });
    expect((await clientFor(await serve(ok.txt)).syncTree(ok.url)).records()).toHaveLength(MAX_BRANCH_CHILDREN);
  });

  it('a tree with more entries than maxSyncEntries: DnsTreeTooLargeError, after exactly that many lookups of entries', async () => {
    const { url, txt } = signedTree(testRecords(40), [], 'n');
    const srv = await serve(txt);
    const c = clientFor(srv, { maxSyncEntries: 20 });
    const err = await c.syncTree(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DnsTreeTooLargeError);
    expect(err).toMatchObject({ domain: 'n', limit: 20 });
    expect(c.stats.lookups).toBe(1 + 20); // the root, then the budget
    expect(MAX_SYNC_ENTRIES).toBeGreaterThan(10 * 1_000);
  });

  it('an ENR in the link subtree or a link in the ENR subtree: DnsTreeShapeError', async () => {
    const leaf = enrToText(testRecords(1)[0]!);
    const link = `enrtree://${signedTree([], [], 'x').url.slice('enrtree://'.length)}`;
    const a = craftTree({ domain: 'n', eroot: link });
    expect(await syncError(a.url, await serve(a.txt))).toMatchObject({ name: 'DnsTreeShapeError', found: 'link' });
    const b = craftTree({ domain: 'n', eroot: 'enrtree-branch:', lroot: leaf });
    const err = await syncError(b.url, await serve(b.txt));
    expect(err).toBeInstanceOf(DnsTreeShapeError);
    expect((err as DnsTreeShapeError).found).toBe('enr');
  });

  it('a server that does not answer: DnsTimeoutError after timeoutMs', async () => {
    const { url, txt } = signedTree(testRecords(1), [], 'n');
    const srv = await serve(txt, { delayMs: (name) => (name === 'n' ? Infinity : 0) });
    const err = await syncError(url, srv, { timeoutMs: 300 });
    expect(err).toBeInstanceOf(DnsTimeoutError);
    expect(err).toMatchObject({ dnsName: 'n', timeoutMs: 300 });
    expect(DNS_LOOKUP_TIMEOUT_MS).toBe(5_000);
  });

  it('an aborted sync rejects with an AbortError caused by the abort reason', async () => {
    const { url, txt } = signedTree(testRecords(1), [], 'n');
    const srv = await serve(txt, { delayMs: () => Infinity });
    const ctl = new AbortController();
    const p = clientFor(srv).syncTree(url, { signal: ctl.signal });
    const reason = new Error('stop');
    ctl.abort(reason);
    await expect(p).rejects.toMatchObject({ name: 'AbortError', cause: reason });
  });
});

describe('defaults', () => {
  it("are geth's where geth has the bound (timeout, recheck, cache, rate) and ours elsewhere", () => {
    const c = new DnsClient({ resolver: new MapResolver(new Map()) });
    expect(c.cfg).toMatchObject({ timeoutMs: 5_000, recheckIntervalMs: 30 * 60_000, cacheLimit: 1_000, maxBranchChildren: 13, maxSyncEntries: 100_000, syncParallel: 8 });
    expect([DNS_RATE_LIMIT, DNS_RATE_BURST]).toEqual([3, 10]);
  });
});

describe('parallel lookups', () => {
  it(`syncTree keeps up to syncParallel (default DNS_SYNC_PARALLEL = ${DNS_SYNC_PARALLEL}) lookups in flight, never more; 1 is geth's order`, async () => {
    const { url, txt } = signedTree(testRecords(60), [], 'n');
    const peak = async (cfg: DnsClientConfig): Promise<number> => {
      let now = 0;
      let max = 0;
      const map = new MapResolver(txt);
      const resolver = {
        async resolveTxt(name: string) {
          max = Math.max(max, ++now);
          await new Promise((r) => setTimeout(r, 2));
          now--;
          return map.resolveTxt(name);
        },
      };
      const tree = await new DnsClient({ resolver, rateLimit: Infinity, ...cfg }).syncTree(url);
      expect(tree.records()).toHaveLength(60);
      return max;
    };
    expect(await peak({})).toBe(DNS_SYNC_PARALLEL);
    expect(await peak({ syncParallel: 3 })).toBe(3);
    expect(await peak({ syncParallel: 1 })).toBe(1);
  });
});

describe('cache and rate limit', () => {
  it(`keeps at most cacheLimit entries (default DNS_CACHE_LIMIT = ${DNS_CACHE_LIMIT}), least recently used out first`, async () => {
    const { url, txt } = signedTree(testRecords(10), [], 'n');
    const r = new MapResolver(txt);
    const c = new DnsClient({ resolver: r, rateLimit: Infinity, cacheLimit: 5 });
    await c.syncTree(url);
    const first = r.lookups;
    await c.syncTree(url);
    // The second sync finds at most 5 entries cached: the 10 leaves and 2 branches are refetched but 5.
    expect(c.stats.cacheHits).toBeLessThanOrEqual(5);
    expect(r.lookups - first).toBeGreaterThanOrEqual(first - 5);
    const big = new DnsClient({ resolver: r, rateLimit: Infinity });
    await big.syncTree(url);
    const before = r.lookups;
    await big.syncTree(url);
    expect(r.lookups - before).toBe(1); // only the root: entries come from the cache
  });
});
