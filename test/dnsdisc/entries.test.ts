/** The EIP-1459 entry codec: base32, hashes, root signatures, and geth's parsing cases. */
import { describe, expect, it } from 'vitest';
import { hexToBytes, bytesToHex } from '../../src/common/bytes.js';
import { publicKeyOf } from '../../src/crypto/index.js';
import { base32Decode, base32Encode } from '../../src/dnsdisc/base32.js';
import {
  encodeEntry,
  encodeRoot,
  entryHash,
  hashKey,
  isValidHash,
  makeLink,
  matchesHash,
  MAX_BRANCH_CHILDREN,
  parseEntry,
  parseLink,
  parseRoot,
  signRoot,
  verifyRoot,
} from '../../src/dnsdisc/entries.js';
import { DnsBranchTooWideError, DnsEntryError } from '../../src/dnsdisc/errors.js';
import { loadVectors } from '../support/vectors.js';
import { testKey } from './fixtures.js';

interface Vectors {
  signing_key: string;
  url: string;
  records: Record<string, string>;
  root_cases: { input: string; error?: string; eroot?: string; lroot?: string; seq?: number; sig?: string }[];
  entry_cases: { input: string; error?: string; kind?: string; children?: string[]; domain?: string }[];
}
const V = loadVectors<Vectors>('dnsdisc.json');
const ascii = (s: string) => new TextEncoder().encode(s);

describe('base32 (RFC 4648, no padding, as Go decodes it)', () => {
  it('encodes the RFC 4648 test vectors without padding', () => {
    const cases: [string, string][] = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
    for (const [plain, enc] of cases) {
      expect(base32Encode(ascii(plain))).toBe(enc);
      expect(new TextDecoder().decode(base32Decode(enc)!)).toBe(plain);
    }
  });

  it('refuses final groups of 1, 3 or 6 characters, lower case and other characters', () => {
    for (const bad of ['M', 'MZX', 'MZXW6Y', 'mzxw6', 'MZXW6=', 'MZ1W6', 'MZ W6']) expect(base32Decode(bad), bad).toBeUndefined();
  });

  it('ignores the unused low bits of the last character, as Go does', () => {
    expect(base32Decode('MZ')).toEqual(base32Decode('M2'));
  });
});

describe('hashes', () => {
  it("each entry of the EIP example lives under the base32 of the first 16 bytes of its keccak256", () => {
    for (const [name, text] of Object.entries(V.records)) {
      if (name === 'n') continue;
      expect(entryHash(text) + '.n').toBe(name);
      expect(matchesHash(text, name.slice(0, -2))).toBe(true);
      expect(matchesHash(text + ' ', name.slice(0, -2))).toBe(false);
    }
  });

  it('accepts hashes of 12 to 32 bytes (20 to 52 characters), as geth', () => {
    expect(isValidHash('A'.repeat(20))).toBe(true);
    expect(isValidHash('A'.repeat(19))).toBe(false);
    expect(isValidHash('A'.repeat(52))).toBe(true);
    expect(isValidHash('A'.repeat(53))).toBe(false);
    expect(isValidHash('A'.repeat(25) + '\n')).toBe(false);
  });

  it('one key per entry, however long its hash is written', () => {
    const h = entryHash('enrtree-branch:');
    expect(hashKey(h)).toBe(hashKey(h.slice(0, 20)));
  });
});

describe('roots', () => {
  it.each(V.root_cases.map((c, i) => [i, c] as const))("geth's root case %i", (_i, c) => {
    if (c.error) {
      expect(() => parseRoot(c.input)).toThrow(DnsEntryError);
      try {
        parseRoot(c.input);
      } catch (err) {
        expect((err as DnsEntryError).kind).toBe('root');
        expect((err as DnsEntryError).detail).toMatch(c.error === 'syntax' ? /syntax/ : /signature/);
      }
      return;
    }
    const r = parseRoot(c.input);
    expect(r).toEqual({ eroot: c.eroot, lroot: c.lroot, seq: BigInt(c.seq!), signature: hexToBytes(c.sig!) });
    expect(encodeRoot(r)).toBe(c.input);
  });

  it("the EIP example root verifies with the tree's key and with no other", () => {
    const root = parseRoot(V.records.n!);
    const link = parseLink(V.url);
    expect(bytesToHex(link.publicKey)).toBe(bytesToHex(publicKeyOf(hexToBytes(V.signing_key))));
    expect(verifyRoot(root, link.publicKey)).toBe(true);
    expect(verifyRoot(root, publicKeyOf(testKey('other')))).toBe(false);
    expect(verifyRoot({ ...root, seq: 2n }, link.publicKey)).toBe(false);
  });

  it('signing reproduces the example signature (RFC 6979), so a re-signed root equals the published text', () => {
    const root = parseRoot(V.records.n!);
    expect(encodeRoot(signRoot({ ...root, signature: new Uint8Array(0) }, hexToBytes(V.signing_key)))).toBe(V.records.n);
  });

  it('ignores text after the signature (room for later fields, as geth) but not a seq beyond uint64', () => {
    expect(parseRoot(V.records.n! + ' x=1').seq).toBe(1n);
    expect(() => parseRoot(V.records.n!.replace('seq=1', 'seq=18446744073709551616'))).toThrow(/uint64/);
    expect(parseRoot(V.records.n!.replace('seq=1', 'seq=18446744073709551615')).seq).toBe(2n ** 64n - 1n);
  });
});

describe('entries', () => {
  it.each(V.entry_cases.map((c) => [c.input, c] as const))("geth's entry case %j", (_input, c) => {
    if (c.error) {
      try {
        parseEntry(c.input);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(DnsEntryError);
        expect((err as DnsEntryError).kind).toBe(c.error);
      }
      return;
    }
    const e = parseEntry(c.input);
    expect(e.kind).toBe(c.kind);
    if (e.kind === 'branch') expect(e.children).toEqual(c.children);
    if (e.kind === 'link') expect(e.domain).toBe(c.domain);
    expect(encodeEntry(e)).toBe(c.input);
  });

  it(`refuses a branch of more than MAX_BRANCH_CHILDREN (${MAX_BRANCH_CHILDREN}) children before reading them`, () => {
    const h = entryHash('x');
    expect((parseEntry('enrtree-branch:' + Array(MAX_BRANCH_CHILDREN).fill(h).join(',')) as unknown as { children: string[] }).children).toHaveLength(13);
    const wide = 'enrtree-branch:' + Array(MAX_BRANCH_CHILDREN + 1).fill(h).join(',');
    expect(() => parseEntry(wide)).toThrow(DnsBranchTooWideError);
    // A huge record is refused on the count alone (its children are not valid hashes).
    expect(() => parseEntry('enrtree-branch:' + ','.repeat(100_000))).toThrow(DnsBranchTooWideError);
  });

  it('links: a URL made from a key parses back to that key and domain', () => {
    const key = testKey('link');
    const link = makeLink(publicKeyOf(key), 'nodes.example.org');
    const back = parseLink(encodeEntry(link));
    expect(back.domain).toBe('nodes.example.org');
    expect(bytesToHex(back.publicKey)).toBe(bytesToHex(publicKeyOf(key)));
    expect(() => parseLink(encodeEntry(link).replace('nodes.example.org', ''))).toThrow(/domain/);
    expect(() => parseLink(encodeEntry(link).replace('nodes.example.org', 'a b'))).toThrow(/domain/);
    expect(() => parseLink('enrtree://' + link.text.replace('@', '@' + 'a'.repeat(254)))).toThrow(/domain/);
  });
});
