/**
 * The entries of an EIP-1459 node tree, each the text of one DNS TXT record, as geth's
 * p2p/dnsdisc/tree.go reads and writes them:
 *
 *   root    enrtree-root:v1 e=<enr-root> l=<link-root> seq=<n> sig=<base64url 65 bytes>
 *   branch  enrtree-branch:<hash>,<hash>,...
 *   leaf    enr:<base64url record>                 (EIP-778, verified)
 *   link    enrtree://<base32 compressed key>@<domain>
 *
 * An entry other than the root lives at `<hash>.<domain>`, where the hash is the unpadded
 * base32 of the first 16 bytes of keccak256 of its text; a reader checks it. The root is signed
 * instead: secp256k1 over keccak256 of its text without ` sig=...`.
 */
import { keccak256, sign, verify, compress, decompress } from '../crypto/index.js';
import { bytesToHex } from '../common/bytes.js';
import { type Enr, enrFromText, enrToText, ENR_TEXT_PREFIX } from '../enode/enr.js';
import { base32Decode, base32DecodedLength, base32Encode } from './base32.js';
import { DnsBranchTooWideError, DnsEntryError } from './errors.js';

export const ROOT_PREFIX = 'enrtree-root:v1';
export const LINK_PREFIX = 'enrtree://';
export const BRANCH_PREFIX = 'enrtree-branch:';
export const ENR_PREFIX = ENR_TEXT_PREFIX;

/** Bytes of keccak256 a subdomain hash carries (geth's `subdomain`). */
export const HASH_BYTES = 16;
/** Shortest hash a reader accepts, in decoded bytes (geth's minHashLength). */
export const MIN_HASH_BYTES = 12;
/** Longest hash a reader accepts: all of keccak256. */
export const MAX_HASH_BYTES = 32;
/**
 * Most children per branch, as geth's encoding writes them (maxChildren: 370 / 27, so a branch
 * of 26-character hashes stays within one 512-byte UDP answer). A reader refuses wider branches.
 */
export const MAX_BRANCH_CHILDREN = 13;
/** A root signature: r || s || v (v ignored by readers, as geth ignores it). */
export const ROOT_SIGNATURE_LENGTH = 65;
/** Longest domain name (RFC 1035: 253 characters in text form). */
export const MAX_DOMAIN_LENGTH = 253;

/** The signed top of a tree (its TXT record sits at the tree's domain itself). */
export interface RootEntry {
  /** Hash of the top entry of the ENR subtree. */
  readonly eroot: string;
  /** Hash of the top entry of the link subtree. */
  readonly lroot: string;
  /** Sequence number; a publisher raises it on every change. */
  readonly seq: bigint;
  /** 65 bytes r || s || v; empty until signed. */
  readonly signature: Uint8Array;
}

/** An inner node: the hashes of its children. */
export interface BranchEntry {
  readonly kind: 'branch';
  readonly children: readonly string[];
}

/** A leaf of the ENR subtree: one verified node record. */
export interface EnrEntry {
  readonly kind: 'enr';
  readonly record: Enr;
}

/** A leaf of the link subtree: another tree (`enrtree://KEY@domain`). */
export interface LinkEntry {
  readonly kind: 'link';
  readonly domain: string;
  /** 64-byte public key that signs the linked tree's root. */
  readonly publicKey: Uint8Array;
  /** `KEY@domain` exactly as read (the entry hash covers this text). */
  readonly text: string;
}

/** Any entry but the root. */
export type TreeEntry = BranchEntry | EnrEntry | LinkEntry;

const utf8 = new TextEncoder();
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const ROOT_PATTERN = /^enrtree-root:v1 e=(\S+) l=(\S+) seq=(\d{1,20}) sig=(\S*)(?:\s|$)/;
const MAX_SEQ = (1n << 64n) - 1n;

/** The subdomain of an entry's text: base32 of the first 16 bytes of its keccak256. */
export function entryHash(text: string): string {
  return base32Encode(keccak256(utf8.encode(text)).subarray(0, HASH_BYTES));
}

/** True if `s` is a child hash a reader accepts (12 to 32 bytes of base32, geth's isValidHash). */
export function isValidHash(s: string): boolean {
  const n = base32DecodedLength(s.length);
  return n >= MIN_HASH_BYTES && n <= MAX_HASH_BYTES && base32Decode(s) !== undefined;
}

/**
 * One key per entry however its hash is spelled (truncated or with other trailing bits): hex of
 * the first {@link MIN_HASH_BYTES} decoded bytes. Caches and loop checks key on it.
 */
export function hashKey(hash: string): string {
  const b = base32Decode(hash);
  if (!b || b.length < MIN_HASH_BYTES) throw new DnsEntryError('branch', `invalid hash ${JSON.stringify(hash.slice(0, 60))}`);
  return bytesToHex(b.subarray(0, MIN_HASH_BYTES));
}

/** True if keccak256 of `text` starts with the bytes `hash` encodes (the check of a fetched entry). */
export function matchesHash(text: string, hash: string): boolean {
  const want = base32Decode(hash);
  if (!want || want.length < MIN_HASH_BYTES) return false;
  const got = keccak256(utf8.encode(text));
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return false;
  return true;
}

// ---- root ---------------------------------------------------------------------------------

/** The root's text as published. */
export function encodeRoot(root: RootEntry): string {
  return `${unsignedRootText(root)} sig=${Buffer.from(root.signature).toString('base64url')}`;
}

function unsignedRootText(root: RootEntry): string {
  return `${ROOT_PREFIX} e=${root.eroot} l=${root.lroot} seq=${root.seq}`;
}

/** What the root signature covers: keccak256 of the text up to, without, ` sig=`. */
export function rootSigningHash(root: RootEntry): Uint8Array {
  return keccak256(utf8.encode(unsignedRootText(root)));
}

/**
 * Parses a root record. Text after the signature is ignored (geth's Sscanf ignores it too, which
 * leaves room for later fields). Throws {@link DnsEntryError}.
 */
export function parseRoot(text: string): RootEntry {
  const m = ROOT_PATTERN.exec(text);
  if (!m) throw new DnsEntryError('root', 'invalid syntax');
  const [, eroot, lroot, seqText, sigText] = m as unknown as [string, string, string, string, string];
  if (!isValidHash(eroot) || !isValidHash(lroot)) throw new DnsEntryError('root', 'invalid child hash');
  const seq = BigInt(seqText);
  if (seq > MAX_SEQ) throw new DnsEntryError('root', 'seq out of uint64 range');
  const signature = decodeBase64Url(sigText);
  if (!signature || signature.length !== ROOT_SIGNATURE_LENGTH) throw new DnsEntryError('root', 'invalid base64 signature');
  return { eroot, lroot, seq, signature };
}

/** True if the root's signature (r || s; v ignored, high s refused) verifies with `publicKey` (64 bytes). */
export function verifyRoot(root: RootEntry, publicKey: Uint8Array): boolean {
  if (root.signature.length !== ROOT_SIGNATURE_LENGTH) return false;
  return verify(rootSigningHash(root), root.signature.subarray(0, 64), publicKey);
}

/** The root signed with `privateKey` (RFC 6979: the same key and root give geth's signature). */
export function signRoot(root: RootEntry, privateKey: Uint8Array): RootEntry {
  return { ...root, signature: sign(rootSigningHash(root), privateKey) };
}

// ---- branch, ENR and link entries ---------------------------------------------------------------

/** An entry's text as published. */
export function encodeEntry(e: TreeEntry): string {
  switch (e.kind) {
    case 'branch':
      return BRANCH_PREFIX + e.children.join(',');
    case 'enr':
      return enrToText(e.record);
    case 'link':
      return LINK_PREFIX + e.text;
  }
}

/**
 * Parses a branch, ENR or link entry. A text with none of their prefixes throws a
 * {@link DnsEntryError} of kind `unknown` (a resolver skips such records, as geth does); a
 * branch wider than `maxBranchChildren` throws {@link DnsBranchTooWideError}.
 */
export function parseEntry(text: string, maxBranchChildren = MAX_BRANCH_CHILDREN): TreeEntry {
  if (text.startsWith(LINK_PREFIX)) return parseLink(text);
  if (text.startsWith(BRANCH_PREFIX)) return parseBranch(text, maxBranchChildren);
  if (text.startsWith(ENR_PREFIX)) return parseEnrEntry(text);
  throw new DnsEntryError('unknown', 'unknown entry type');
}

function parseBranch(text: string, maxChildren: number): BranchEntry {
  const body = text.slice(BRANCH_PREFIX.length);
  if (body === '') return { kind: 'branch', children: [] };
  // Count before splitting, so a huge record costs one scan.
  let n = 1;
  for (let i = 0; i < body.length; i++) if (body.charCodeAt(i) === 44) n++;
  if (n > maxChildren) throw new DnsBranchTooWideError(n, maxChildren);
  const children = body.split(',');
  for (const c of children) if (!isValidHash(c)) throw new DnsEntryError('branch', 'invalid child hash');
  return { kind: 'branch', children };
}

function parseEnrEntry(text: string): EnrEntry {
  try {
    return { kind: 'enr', record: enrFromText(text) };
  } catch (err) {
    throw new DnsEntryError('enr', `invalid node record: ${(err as Error).message}`);
  }
}

/** Parses `enrtree://KEY@domain` (a link entry, or the URL of a tree). Throws {@link DnsEntryError}. */
export function parseLink(text: string): LinkEntry {
  if (!text.startsWith(LINK_PREFIX)) throw new DnsEntryError('link', "wrong/missing scheme 'enrtree' in URL");
  const rest = text.slice(LINK_PREFIX.length);
  const at = rest.indexOf('@');
  if (at < 0) throw new DnsEntryError('link', 'missing public key');
  const domain = rest.slice(at + 1);
  const keyBytes = base32Decode(rest.slice(0, at));
  let publicKey: Uint8Array;
  try {
    if (!keyBytes || keyBytes.length !== 33) throw new Error('bad key');
    publicKey = decompress(keyBytes);
  } catch {
    throw new DnsEntryError('link', 'invalid public key');
  }
  if (domain.length === 0 || domain.length > MAX_DOMAIN_LENGTH || /[\s\x00-\x1f\x7f]/.test(domain)) {
    throw new DnsEntryError('link', `invalid domain ${JSON.stringify(domain.slice(0, 60))}`);
  }
  return { kind: 'link', domain, publicKey, text: rest };
}

/** The link (and tree URL) of a tree at `domain` signed by the key whose public key is `publicKey` (64 bytes). */
export function makeLink(publicKey: Uint8Array, domain: string): LinkEntry {
  const text = `${base32Encode(compress(publicKey))}@${domain}`;
  return parseLink(LINK_PREFIX + text);
}

/** Unpadded base64url, strictly (Buffer's decoder skips bad characters; Go's does not). */
function decodeBase64Url(text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64url'));
}
