/** Trees for the DNS discovery tests: deterministic keys and records, served from a map. */
import { keccak256, publicKeyOf } from '../../src/crypto/index.js';
import { encodeEntry, encodeRoot, entryHash, makeLink, signRoot } from '../../src/dnsdisc/entries.js';
import { EnrBuilder, type Enr } from '../../src/enode/enr.js';
import { DnsTree, makeTree } from '../../src/dnsdisc/tree.js';

const utf8 = new TextEncoder();

/** A private key derived from a label (the same label, the same key, every run). */
export function testKey(label: string): Uint8Array {
  return keccak256(utf8.encode(`devp2p-ts dnsdisc test key ${label}`));
}

/** `n` signed records at 10.x.y.z:30303, one per derived key. */
export function testRecords(n: number, prefix = 'node'): Enr[] {
  return Array.from({ length: n }, (_, i) =>
    new EnrBuilder()
      .ip(Uint8Array.of(10, (i >> 16) & 255, (i >> 8) & 255, i & 255))
      .tcp(30303)
      .udp(30303)
      .sign(testKey(`${prefix}${i}`), 1n),
  );
}

export const TREE_KEY = testKey('tree signer');

/** A signed tree of `records` and `links` at `domain`, its URL and its TXT records. */
export function signedTree(records: readonly Enr[], links: readonly string[], domain: string, seq = 1n, key = TREE_KEY): { tree: DnsTree; url: string; txt: Map<string, string> } {
  const { tree, url } = makeTree(seq, records, links).sign(key, domain);
  return { tree, url, txt: tree.toTxt(domain) };
}

/**
 * TXT records of a hand-made tree: a root naming `eroot` and `lroot` (entry texts), signed with
 * `key`, plus every text in `entries` under its hash. For trees geth's MakeTree would not make.
 */
export function craftTree(opts: { domain: string; eroot: string; lroot?: string; entries?: readonly string[]; seq?: bigint; key?: Uint8Array }): { url: string; txt: Map<string, string> } {
  const lroot = opts.lroot ?? 'enrtree-branch:';
  const key = opts.key ?? TREE_KEY;
  const root = signRoot({ eroot: entryHash(opts.eroot), lroot: entryHash(lroot), seq: opts.seq ?? 1n, signature: new Uint8Array(0) }, key);
  const txt = new Map<string, string>([[opts.domain, encodeRoot(root)]]);
  for (const t of [opts.eroot, lroot, ...(opts.entries ?? [])]) txt.set(`${entryHash(t)}.${opts.domain}`, t);
  return { url: encodeEntry(makeLink(publicKeyOf(TREE_KEY), opts.domain)), txt };
}

/** A branch entry's text over the given entry texts. */
export function branchOf(texts: readonly string[]): string {
  return 'enrtree-branch:' + texts.map(entryHash).join(',');
}
