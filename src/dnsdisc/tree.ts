/**
 * A node tree as a publisher holds it: the signed root and every other entry by its hash.
 * {@link makeTree} builds the same tree as geth's dnsdisc.MakeTree for the same records and
 * links (records sorted by node ID, branches of at most 13 children filled left to right, the
 * same recursion), so the TXT records equal geth's record by record.
 */
import { compareBytes } from '../common/bytes.js';
import { RlpReader } from '../common/rlp-reader.js';
import { publicKeyOf } from '../crypto/index.js';
import type { Enr } from '../enode/enr.js';
import {
  type BranchEntry,
  encodeEntry,
  encodeRoot,
  entryHash,
  type LinkEntry,
  makeLink,
  MAX_BRANCH_CHILDREN,
  parseLink,
  type RootEntry,
  ROOT_SIGNATURE_LENGTH,
  signRoot,
  type TreeEntry,
  verifyRoot,
} from './entries.js';
import { DnsBadSignatureError, DnsEntryError } from './errors.js';

/** ENR keys holding ports: a record whose port does not decode as a uint16 is not published (geth's checkRecordPorts). */
const PORT_KEYS = ['tcp', 'tcp6', 'udp', 'udp6', 'quic', 'quic6'];

/** A tree: its root and its entries keyed by hash (the subdomain each is published under). */
export class DnsTree {
  constructor(
    readonly root: RootEntry,
    /** Every entry but the root, by hash. */
    readonly entries: ReadonlyMap<string, TreeEntry>,
  ) {}

  get seq(): bigint {
    return this.root.seq;
  }

  /** The root signature as base64url (empty when unsigned). */
  get signature(): string {
    return Buffer.from(this.root.signature).toString('base64url');
  }

  /** The node records of the tree (in hash order). */
  records(): Enr[] {
    return [...this.sortedEntries()].flatMap(([, e]) => (e.kind === 'enr' ? [e.record] : []));
  }

  /** The links of the tree as enrtree:// URLs (in hash order). */
  links(): string[] {
    return [...this.sortedEntries()].flatMap(([, e]) => (e.kind === 'link' ? [encodeEntry(e)] : []));
  }

  /** Signs the root for `domain`; returns the signed tree and its enrtree:// URL (geth's Tree.Sign). */
  sign(privateKey: Uint8Array, domain: string): { tree: DnsTree; url: string } {
    const tree = new DnsTree(signRoot(this.root, privateKey), this.entries);
    return { tree, url: encodeEntry(makeLink(publicKeyOf(privateKey), domain)) };
  }

  /**
   * This tree with `signature` (base64url) as its root signature, if it verifies with
   * `publicKey` (64 bytes); throws {@link DnsBadSignatureError} otherwise (geth's SetSignature).
   */
  withSignature(publicKey: Uint8Array, signature: string, domain: string): DnsTree {
    const sig = /^[A-Za-z0-9_-]*$/.test(signature) ? new Uint8Array(Buffer.from(signature, 'base64url')) : new Uint8Array(0);
    const root = { ...this.root, signature: sig };
    if (sig.length !== ROOT_SIGNATURE_LENGTH || !verifyRoot(root, publicKey)) throw new DnsBadSignatureError(domain);
    return new DnsTree(root, this.entries);
  }

  /**
   * Every TXT record of the tree: the root at `domain`, each entry at `<hash>.<domain>` (at
   * `<hash>` when `domain` is empty), as geth's Tree.ToTXT.
   */
  toTxt(domain: string): Map<string, string> {
    const out = new Map<string, string>([[domain, encodeRoot(this.root)]]);
    for (const [hash, e] of this.entries) out.set(domain ? `${hash}.${domain}` : hash, encodeEntry(e));
    return out;
  }

  private sortedEntries(): [string, TreeEntry][] {
    return [...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

/**
 * Builds an unsigned tree of `records` and `links` (enrtree:// URLs) at sequence number `seq`,
 * as geth's MakeTree. Throws {@link DnsEntryError} for a malformed link or a record whose port
 * does not decode.
 */
export function makeTree(seq: bigint, records: readonly Enr[], links: readonly string[]): DnsTree {
  const sorted = [...records].sort((a, b) => compareBytes(a.nodeId, b.nodeId));
  for (const r of sorted) checkRecordPorts(r);
  const entries = new Map<string, TreeEntry>();
  const eroot = build(
    sorted.map((record) => ({ kind: 'enr', record })),
    entries,
  );
  entries.set(entryHash(encodeEntry(eroot)), eroot);
  const linkEntries: LinkEntry[] = links.map((l) => parseLink(l));
  const lroot = build(linkEntries, entries);
  entries.set(entryHash(encodeEntry(lroot)), lroot);
  const root: RootEntry = { eroot: entryHash(encodeEntry(eroot)), lroot: entryHash(encodeEntry(lroot)), seq, signature: new Uint8Array(0) };
  return new DnsTree(root, entries);
}

/** geth's Tree.build: one entry stays itself; up to 13 become a branch; more are chunked. */
function build(list: readonly TreeEntry[], entries: Map<string, TreeEntry>): TreeEntry {
  if (list.length === 1) return list[0]!;
  if (list.length <= MAX_BRANCH_CHILDREN) {
    const children = list.map((e) => {
      const h = entryHash(encodeEntry(e));
      entries.set(h, e);
      return h;
    });
    return { kind: 'branch', children } satisfies BranchEntry;
  }
  const subtrees: TreeEntry[] = [];
  for (let i = 0; i < list.length; i += MAX_BRANCH_CHILDREN) {
    const sub = build(list.slice(i, i + MAX_BRANCH_CHILDREN), entries);
    subtrees.push(sub);
    entries.set(entryHash(encodeEntry(sub)), sub);
  }
  return build(subtrees, entries);
}

function checkRecordPorts(r: Enr): void {
  for (const key of PORT_KEYS) {
    const raw = r.get(key);
    if (raw === undefined) continue;
    try {
      RlpReader.over(raw, 'ENR', key).uint(key, 2);
    } catch (err) {
      throw new DnsEntryError('enr', `can't add node ${Buffer.from(r.nodeId).toString('hex')}: ${key}: ${(err as Error).message}`);
    }
  }
}
