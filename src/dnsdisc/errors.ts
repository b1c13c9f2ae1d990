/**
 * Typed errors of DNS discovery (EIP-1459). Each names the DNS name or tree at fault and the
 * bound it hit, so a caller can log precisely or drop the tree. geth's equivalents are in
 * p2p/dnsdisc/error.go; the bounds errors (loop, width, size) are ours: geth relies on its
 * lookup rate limit alone.
 */
import { DecodeError } from '../common/errors.js';

/** The kinds of tree entry (EIP-1459). */
export type EntryKind = 'root' | 'branch' | 'enr' | 'link';

/**
 * A TXT record that does not parse as the entry its prefix announces (or as any entry). `name`
 * is the DNS name it came from, when it came from DNS.
 */
export class DnsEntryError extends DecodeError {
  constructor(
    readonly kind: EntryKind | 'unknown',
    /** What is wrong, without the name. */
    override readonly detail: string,
    readonly dnsName?: string,
  ) {
    super('DNS tree entry', kind, dnsName ? `${detail} (at ${dnsName})` : detail);
    this.name = 'DnsEntryError';
  }
}

/** The root's signature does not verify with the public key of the tree's enrtree:// URL. */
export class DnsBadSignatureError extends Error {
  constructor(readonly domain: string) {
    super(`invalid signature on the tree root at ${domain}`);
    this.name = 'DnsBadSignatureError';
  }
}

/** An entry's keccak256 does not start with the hash its DNS name (and its parent) announce. */
export class DnsHashMismatchError extends Error {
  constructor(readonly dnsName: string) {
    super(`hash mismatch: the entry at ${dnsName} is not the one its parent names`);
    this.name = 'DnsHashMismatchError';
  }
}

/** No valid `enrtree-root:v1` record at the tree's domain. */
export class DnsNoRootError extends Error {
  constructor(readonly domain: string) {
    super(`no valid tree root found at ${domain}`);
    this.name = 'DnsNoRootError';
  }
}

/** No branch, ENR or link record at a name the tree refers to. */
export class DnsNoEntryError extends Error {
  constructor(readonly dnsName: string) {
    super(`no valid tree entry found at ${dnsName}`);
    this.name = 'DnsNoEntryError';
  }
}

/**
 * An entry is referenced a second time in one sync: a branch lists a child twice, two branches
 * share a child, or (with forged hashes) a branch refers back to an ancestor. Without this check
 * a few entries can make the walk visit 13^depth leaves.
 */
export class DnsTreeLoopError extends Error {
  constructor(readonly dnsName: string) {
    super(`tree entry ${dnsName} is referenced more than once (loop or shared subtree)`);
    this.name = 'DnsTreeLoopError';
  }
}

/** A branch lists more children than the limit (geth's encoding writes at most 13). */
export class DnsBranchTooWideError extends Error {
  constructor(
    readonly children: number,
    readonly limit: number,
    readonly dnsName?: string,
  ) {
    super(`branch${dnsName ? ` at ${dnsName}` : ''} has ${children} children, limit ${limit}`);
    this.name = 'DnsBranchTooWideError';
  }
}

/** A tree holds more entries than one sync may resolve. */
export class DnsTreeTooLargeError extends Error {
  constructor(
    readonly domain: string,
    readonly limit: number,
  ) {
    super(`tree at ${domain} has more than ${limit} entries`);
    this.name = 'DnsTreeTooLargeError';
  }
}

/** A leaf of the wrong kind: an ENR in the link subtree or a link in the ENR subtree. */
export class DnsTreeShapeError extends Error {
  constructor(
    readonly dnsName: string,
    readonly found: 'enr' | 'link',
  ) {
    super(found === 'enr' ? `enr entry in link tree at ${dnsName}` : `link entry in ENR tree at ${dnsName}`);
    this.name = 'DnsTreeShapeError';
  }
}

/** A TXT lookup failed (no such name, server failure, refused...); `code` is the resolver's. */
export class DnsLookupError extends Error {
  constructor(
    readonly dnsName: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`DNS lookup of ${dnsName} failed: ${code}`, options);
    this.name = 'DnsLookupError';
  }
}

/** A TXT lookup did not answer within the client's timeout. */
export class DnsTimeoutError extends Error {
  constructor(
    readonly dnsName: string,
    readonly timeoutMs: number,
  ) {
    super(`DNS lookup of ${dnsName} timed out after ${timeoutMs} ms`);
    this.name = 'DnsTimeoutError';
  }
}
