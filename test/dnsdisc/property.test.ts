/**
 * Properties of the codec and the client over random trees (through the injectable resolver):
 * any tree we make syncs back to its records and links; entry texts round-trip; and a hostile
 * tree (shared or repeated children, wide branches, forged entries, a wrong signer) ends in one
 * of the typed errors, within the entry budget.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/common/bytes.js';
import { enrToText, type Enr } from '../../src/enode/enr.js';
import { DnsClient } from '../../src/dnsdisc/client.js';
import { encodeEntry, encodeRoot, entryHash, parseEntry, parseRoot, signRoot } from '../../src/dnsdisc/entries.js';
import {
  DnsBadSignatureError,
  DnsBranchTooWideError,
  DnsHashMismatchError,
  DnsLookupError,
  DnsTreeLoopError,
  DnsTreeTooLargeError,
} from '../../src/dnsdisc/errors.js';
import { makeTree } from '../../src/dnsdisc/tree.js';
import { entryTextArb, rootTextArb } from './arbitraries.js';
import { signedTree, testKey, testRecords, TREE_KEY } from './fixtures.js';
import { MapResolver } from './map-resolver.js';

const POOL = testRecords(120, 'pool');
const LINKS = [0, 1, 2, 3].map((i) => signedTree([], [], `l${i}.example.org`).url);
const ids = (r: readonly Enr[]) => r.map((x) => bytesToHex(x.nodeId)).sort();

describe('properties', () => {
  it('entry and root texts parse and encode back to themselves', () => {
    fc.assert(fc.property(entryTextArb, (t) => encodeEntry(parseEntry(t)) === t), { numRuns: 200 });
    fc.assert(fc.property(rootTextArb, (t) => encodeRoot(parseRoot(t)) === t), { numRuns: 200 });
  });

  it('any tree of records and links syncs back to the same records, links and seq, and republishes the same TXT records', async () => {
    await fc.assert(
      fc.asyncProperty(fc.subarray(POOL), fc.subarray(LINKS), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), async (recs, links, seq) => {
        const { url, txt } = signedTree(recs, links, 'nodes.example.org', seq);
        const tree = await new DnsClient({ resolver: new MapResolver(txt), rateLimit: Infinity }).syncTree(url);
        expect(ids(tree.records())).toEqual(ids(recs));
        expect(tree.links().sort()).toEqual([...links].sort());
        expect(tree.seq).toBe(seq);
        expect(tree.toTxt('nodes.example.org')).toEqual(txt);
      }),
      { numRuns: 40 },
    );
  });

  /**
   * A random hostile graph: entries 0..n-1 are leaves or branches whose children are any earlier
   * entries (repeats and sharing allowed, up to 20 wide); the ENR root is the last one. Some
   * names may serve another entry's text (forged), and the root may be signed by another key.
   */
  const hostileArb = fc.record({
    kinds: fc.array(fc.record({ branch: fc.boolean(), children: fc.array(fc.nat(), { maxLength: 20 }), leaf: fc.nat(POOL.length - 1) }), { minLength: 1, maxLength: 40 }),
    forged: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 2 }),
    wrongSigner: fc.boolean(),
    budget: fc.integer({ min: 1, max: 60 }),
  });

  it('a hostile tree ends in a typed error (or a valid tree), within root + budget lookups', async () => {
    await fc.assert(
      fc.asyncProperty(hostileArb, async ({ kinds, forged, wrongSigner, budget }) => {
        const texts: string[] = [];
        for (const [i, k] of kinds.entries()) {
          if (!k.branch || i === 0) texts.push(enrToText(POOL[k.leaf]!));
          else texts.push('enrtree-branch:' + k.children.map((c) => entryHash(texts[c % i]!)).join(','));
        }
        const domain = 'h.example.org';
        const txt = new Map<string, string>();
        for (const t of texts) txt.set(`${entryHash(t)}.${domain}`, t);
        const lroot = 'enrtree-branch:';
        txt.set(`${entryHash(lroot)}.${domain}`, lroot);
        for (const [a, b] of forged) {
          const ta = texts[a % texts.length]!;
          const tb = texts[b % texts.length]!;
          if (ta !== tb) txt.set(`${entryHash(ta)}.${domain}`, tb);
        }
        const root = signRoot({ eroot: entryHash(texts[texts.length - 1]!), lroot: entryHash(lroot), seq: 1n, signature: new Uint8Array(0) }, wrongSigner ? testKey('wrong') : TREE_KEY);
        txt.set(domain, encodeRoot(root));
        const resolver = new MapResolver(txt);
        const client = new DnsClient({ resolver, rateLimit: Infinity, maxSyncEntries: budget });
        const url = signedTree([], [], domain).url;
        try {
          await client.syncTree(url);
          expect(wrongSigner).toBe(false);
        } catch (err) {
          const typed = [DnsTreeLoopError, DnsBranchTooWideError, DnsHashMismatchError, DnsTreeTooLargeError, DnsBadSignatureError, DnsLookupError].some((c) => err instanceof c);
          if (!typed) throw err;
          if (wrongSigner) expect(err).toBeInstanceOf(DnsBadSignatureError);
        }
        expect(resolver.lookups).toBeLessThanOrEqual(1 + budget);
      }),
      { numRuns: 150 },
    );
  });

  it('makeTree builds what the client reads: every entry of any tree is referenced exactly once', () => {
    fc.assert(
      fc.property(fc.subarray(POOL), fc.subarray(LINKS), (recs, links) => {
        const tree = makeTree(1n, recs, links);
        const refs = new Map<string, number>();
        for (const e of tree.entries.values()) if (e.kind === 'branch') for (const c of e.children) refs.set(c, (refs.get(c) ?? 0) + 1);
        for (const [hash, n] of refs) expect(n, hash).toBe(1);
        for (const hash of tree.entries.keys()) if (hash !== tree.root.eroot && hash !== tree.root.lroot) expect(refs.get(hash), hash).toBe(1);
      }),
      { numRuns: 60 },
    );
  });
});
