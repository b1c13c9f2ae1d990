/** Building, signing and publishing trees; geth's tree directory and keystore formats. */
import { createCipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/common/bytes.js';
import { keccak256, publicKeyOf } from '../../src/crypto/index.js';
import { EnrBuilder, enrToText } from '../../src/enode/enr.js';
import { encodeEntry, entryHash, MAX_BRANCH_CHILDREN, parseRoot, type TreeEntry } from '../../src/dnsdisc/entries.js';
import { DnsBadSignatureError, DnsEntryError } from '../../src/dnsdisc/errors.js';
import { goJsonIndent } from '../../src/dnsdisc/go-json.js';
import { decryptKeystore, encryptKeystore, KeystoreError, MAX_PBKDF2_ROUNDS, MAX_SCRYPT_MEMORY } from '../../src/dnsdisc/keystore.js';
import {
  loadSignedTree,
  loadTreeDefinition,
  parseTxtRecordsJson,
  TREE_INFO_FILE,
  TREE_NODES_FILE,
  TreeDefinitionError,
  treeMeta,
  txtRecordsJson,
  writeTreeMeta,
  writeTreeNodes,
} from '../../src/dnsdisc/tree-definition.js';
import { makeTree } from '../../src/dnsdisc/tree.js';
import { signedTree, testKey, testRecords, TREE_KEY } from './fixtures.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dnsdisc-'));
  dirs.push(d);
  return d;
}

/** The leaves of a subtree in walk order (children left to right). */
function leaves(entries: ReadonlyMap<string, TreeEntry>, hash: string): TreeEntry[] {
  const e = entries.get(hash)!;
  return e.kind === 'branch' ? e.children.flatMap((c) => leaves(entries, c)) : [e];
}

describe('makeTree (geth MakeTree)', () => {
  it.each([0, 1, 13, 14, 169, 170, 500])('%i records: sorted by node ID, branches of at most 13, every entry under its hash', (n) => {
    const recs = testRecords(n);
    const tree = makeTree(7n, recs, []);
    for (const [hash, e] of tree.entries) {
      expect(entryHash(encodeEntry(e))).toBe(hash);
      if (e.kind === 'branch') expect(e.children.length).toBeLessThanOrEqual(MAX_BRANCH_CHILDREN);
    }
    const order = leaves(tree.entries, tree.root.eroot).flatMap((e) => (e.kind === 'enr' ? [bytesToHex(e.record.nodeId)] : []));
    expect(order).toEqual(recs.map((r) => bytesToHex(r.nodeId)).sort());
    // The link subtree of a tree without links is the empty branch.
    expect(tree.entries.get(tree.root.lroot)).toEqual({ kind: 'branch', children: [] });
    if (n === 1) expect(tree.entries.get(tree.root.eroot)!.kind).toBe('enr');
    expect(tree.seq).toBe(7n);
  });

  it('keeps links in their own subtree', () => {
    const a = signedTree([], [], 'a.example.org').url;
    const b = signedTree([], [], 'b.example.org').url;
    const tree = makeTree(1n, testRecords(2), [a, b]);
    expect(leaves(tree.entries, tree.root.lroot).map((e) => encodeEntry(e)).sort()).toEqual([a, b].sort());
    expect(tree.links().sort()).toEqual([a, b].sort());
  });

  it('refuses a record whose port does not decode as a uint16 (geth checkRecordPorts)', () => {
    const bad = new EnrBuilder().ip(Uint8Array.of(10, 0, 0, 1)).set('udp', 70_000).sign(testKey('port'), 1n);
    expect(() => makeTree(1n, [bad], [])).toThrow(DnsEntryError);
  });

  it('sign gives the URL of the key; withSignature takes only a signature that verifies', () => {
    const { tree, url } = makeTree(1n, testRecords(3), []).sign(TREE_KEY, 'nodes.example.org');
    expect(url.endsWith('@nodes.example.org')).toBe(true);
    const unsigned = makeTree(1n, testRecords(3), []);
    expect(unsigned.withSignature(publicKeyOf(TREE_KEY), tree.signature, 'n').signature).toBe(tree.signature);
    expect(() => unsigned.withSignature(publicKeyOf(testKey('x')), tree.signature, 'n')).toThrow(DnsBadSignatureError);
    expect(() => makeTree(2n, testRecords(3), []).withSignature(publicKeyOf(TREE_KEY), tree.signature, 'n')).toThrow(DnsBadSignatureError);
    expect(() => unsigned.withSignature(publicKeyOf(TREE_KEY), 'AAAA', 'n')).toThrow(DnsBadSignatureError);
  });

  it('toTxt: the root at the domain, each entry at <hash>.<domain> (at <hash> for an empty domain)', () => {
    const { tree } = signedTree(testRecords(20), [], 'n');
    const txt = tree.toTxt('nodes.example.org');
    expect(txt.size).toBe(tree.entries.size + 1);
    expect(parseRoot(txt.get('nodes.example.org')!).eroot).toBe(tree.root.eroot);
    expect([...tree.toTxt('').keys()].filter((k) => k !== '').every((k) => tree.entries.has(k))).toBe(true);
  });
});

describe('tree directory (geth enrtree-info.json + nodes.json)', () => {
  it('written, read back, signed and exported', async () => {
    const dir = tempDir();
    const recs = testRecords(5);
    await writeTreeNodes(dir, recs);
    const def = await loadTreeDefinition(dir);
    expect(def.meta).toEqual({ seq: 0n, links: [] });
    expect(def.records.map(enrToText).sort()).toEqual(recs.map(enrToText).sort());
    const { tree, url } = makeTree(3n, def.records, []).sign(TREE_KEY, 'nodes.example.org');
    await writeTreeMeta(dir, treeMeta(url, tree, new Date(0)));
    const signed = await loadSignedTree(dir);
    expect(signed.domain).toBe('nodes.example.org');
    expect(signed.tree.toTxt('x')).toEqual(tree.toTxt('x'));
    expect(readFileSync(join(dir, TREE_INFO_FILE), 'utf8')).toBe(
      `{\n    "url": "${url}",\n    "seq": 3,\n    "signature": "${tree.signature}",\n    "links": [],\n    "lastModified": "1970-01-01T00:00:00.000Z"\n}`,
    );
  });

  it("each fault is a TreeDefinitionError naming the file: IDs, seqs, records, links, signatures, JSON", async () => {
    const dir = tempDir();
    const rec = testRecords(1)[0]!;
    const id = bytesToHex(rec.nodeId);
    const nodes = (v: unknown) => writeFileSync(join(dir, TREE_NODES_FILE), JSON.stringify(v));
    const info = (v: unknown) => writeFileSync(join(dir, TREE_INFO_FILE), JSON.stringify(v));
    await expect(loadTreeDefinition(dir)).rejects.toThrow(/nodes.json: cannot read: ENOENT/);
    nodes({ [id.replace(/^./, id[0] === '0' ? '1' : '0')]: { seq: 1, record: enrToText(rec) } });
    await expect(loadTreeDefinition(dir)).rejects.toThrow(/ID does not match/);
    nodes({ [id]: { seq: 2, record: enrToText(rec) } });
    await expect(loadTreeDefinition(dir)).rejects.toThrow(/'seq' does not match seq 1/);
    nodes({ [id]: { seq: 1, record: 'enr:xyz' } });
    await expect(loadTreeDefinition(dir)).rejects.toThrow(/not a valid ENR/);
    nodes({ [id]: { seq: 1, record: enrToText(rec) } });
    info({ seq: 1, links: ['enrtree://nonsense'] });
    await expect(loadTreeDefinition(dir)).rejects.toThrow(/invalid link/);
    info({ seq: 1, links: [] });
    await expect(loadSignedTree(dir)).rejects.toThrow(/missing 'url'/);
    const { url, tree } = makeTree(1n, [rec], []).sign(TREE_KEY, 'n');
    info({ url, seq: 1, links: [] });
    await expect(loadSignedTree(dir)).rejects.toThrow(/missing signature/);
    info({ url, seq: 2, signature: tree.signature, links: [] });
    await expect(loadSignedTree(dir)).rejects.toThrow(/invalid signature/);
    writeFileSync(join(dir, TREE_INFO_FILE), '{');
    const err = await loadTreeDefinition(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TreeDefinitionError);
    expect((err as TreeDefinitionError).path).toBe(join(dir, TREE_INFO_FILE));
  });

  it('TXT JSON: names in byte order, 4-space indent, Go escapes; read back the same', () => {
    const records = new Map([['b.x', 'two'], ['A.x', 'one <&> \u2028'], ['x', 'root']]);
    const text = txtRecordsJson(records);
    expect(text).toBe('{\n    "A.x": "one \\u003c\\u0026\\u003e \\u2028",\n    "b.x": "two",\n    "x": "root"\n}');
    expect(parseTxtRecordsJson('f', text)).toEqual(new Map([['A.x', 'one <&> \u2028'], ['b.x', 'two'], ['x', 'root']]));
    expect(() => parseTxtRecordsJson('f', '{"a": 1}')).toThrow(TreeDefinitionError);
    expect(goJsonIndent({ a: [], b: [1n, 'x'], c: {} }, '  ')).toBe('{\n  "a": [],\n  "b": [\n    1,\n    "x"\n  ],\n  "c": {}\n}');
  });
});

describe('keystore (geth Web3 Secret Storage v3)', () => {
  const key = keccak256(new TextEncoder().encode('keystore key'));

  it('scrypt: encrypt then decrypt gives the key back; a wrong password is refused', () => {
    const ks = encryptKeystore(key, 'secret');
    expect(JSON.parse(ks).address).toBe(bytesToHex(keccak256(publicKeyOf(key)).subarray(12)));
    expect(bytesToHex(decryptKeystore(ks, 'secret'))).toBe(bytesToHex(key));
    expect(() => decryptKeystore(ks, 'wrong')).toThrow(/could not decrypt key with given password/);
  });

  it('PBKDF2-HMAC-SHA256 keystores decrypt too, "Crypto" spelled either way', () => {
    const salt = randomBytes(32);
    const iv = randomBytes(16);
    const dk = pbkdf2Sync('pw', salt, 1000, 32, 'sha256');
    const c = createCipheriv('aes-128-ctr', dk.subarray(0, 16), iv);
    const ct = Buffer.concat([c.update(key), c.final()]);
    const doc = {
      version: 3,
      Crypto: { cipher: 'aes-128-ctr', ciphertext: ct.toString('hex'), cipherparams: { iv: iv.toString('hex') }, kdf: 'pbkdf2', kdfparams: { c: 1000, dklen: 32, prf: 'hmac-sha256', salt: salt.toString('hex') }, mac: bytesToHex(keccak256(dk.subarray(16, 32), ct)) },
    };
    expect(bytesToHex(decryptKeystore(JSON.stringify(doc), 'pw'))).toBe(bytesToHex(key));
    doc.Crypto.kdfparams.c = MAX_PBKDF2_ROUNDS + 1;
    expect(() => decryptKeystore(JSON.stringify(doc), 'pw')).toThrow(/iteration count/);
  });

  it(`refuses scrypt costs above MAX_SCRYPT_MEMORY (${MAX_SCRYPT_MEMORY} bytes) before deriving anything`, () => {
    const doc = JSON.parse(encryptKeystore(key, 'x'));
    doc.crypto.kdfparams.n = 1 << 20;
    doc.crypto.kdfparams.p = 9; // 128 * 2^20 * 8 * 9 > 1 GiB
    expect(() => decryptKeystore(JSON.stringify(doc), 'x')).toThrow(KeystoreError);
    expect(() => decryptKeystore(JSON.stringify({ ...doc, version: 1 }), 'x')).toThrow(/version 1/);
    expect(() => decryptKeystore(JSON.stringify({ ...doc, crypto: { ...doc.crypto, cipher: 'aes-256-gcm' } }), 'x')).toThrow(/cipher not supported/);
  });
});
