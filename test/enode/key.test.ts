import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { keccak_256 } from '@noble/hashes/sha3.js';
import * as nobleSecp from '@noble/secp256k1';
import { bytesToHex, hexToBytes } from '../../src/common/bytes.js';
import {
  NodeKeyError,
  generateNodeKey,
  loadNodeKey,
  nodeIdOf,
  parseNodeKey,
  publicKeyOfNodeKey,
  saveNodeKey,
} from '../../src/enode/key.js';
import { loadVectors } from '../support/vectors.js';

/** secp256k1 group order n. */
const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const hex64 = (v: bigint) => v.toString(16).padStart(64, '0');

const vectors = loadVectors('rlpx-handshake.json');
const KEY_A: string = vectors.keys.static_key_a;
const PUB_A: string = vectors.derived_public_keys.static_pubkey_a;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devp2p-ts-key-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let seq = 0;
/** Writes `content` to a fresh file in the temp dir and returns its path. */
async function keyFile(content: string): Promise<string> {
  const p = join(dir, `nodekey-${seq++}`);
  await writeFile(p, content);
  return p;
}

/** Expects `p` to reject with a NodeKeyError whose message and `path` name `path`. */
async function expectKeyError(p: Promise<unknown>, path: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NodeKeyError);
  const e = err as NodeKeyError;
  expect(e.name).toBe('NodeKeyError');
  expect(e.path).toBe(path);
  expect(e.message).toContain(path);
  expect(e.message).toMatch(message);
}

describe('nodeIdOf / publicKeyOfNodeKey', () => {
  it('matches the EIP-8 vector: static_key_a -> static_pubkey_a', () => {
    const pub = publicKeyOfNodeKey(hexToBytes(KEY_A));
    expect(pub.length).toBe(64);
    expect(bytesToHex(pub)).toBe(PUB_A);
  });

  it('is keccak256 of the 64-byte public key (cross-checked with @noble/hashes)', () => {
    const pub = hexToBytes(PUB_A);
    const id = nodeIdOf(pub);
    expect(id.length).toBe(32);
    expect(bytesToHex(id)).toBe(bytesToHex(keccak_256(pub)));
    // Pinned value, so a regression in either implementation shows up here.
    expect(bytesToHex(id)).toBe('6469cc2093f39e9117071e660d3ab14bbad3d99f4203bd7a11acb94882050e7e');
    // The hash is over the 64-byte form, not the 65-byte 0x04-prefixed one.
    const prefixed = new Uint8Array([4, ...pub]);
    expect(bytesToHex(id)).not.toBe(bytesToHex(keccak_256(prefixed)));
  });

  it('agrees with @noble/secp256k1 for random keys', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: CURVE_N - 1n }), (k) => {
        const key = hexToBytes(hex64(k));
        const pub = publicKeyOfNodeKey(key);
        expect(bytesToHex(pub)).toBe(bytesToHex(nobleSecp.getPublicKey(key, false).subarray(1)));
        expect(bytesToHex(nodeIdOf(pub))).toBe(bytesToHex(keccak_256(pub)));
      }),
      { numRuns: 50 },
    );
  });
});

describe('generateNodeKey', () => {
  it('gives distinct valid 32-byte keys', () => {
    const a = generateNodeKey();
    const b = generateNodeKey();
    expect(a.length).toBe(32);
    expect(b.length).toBe(32);
    expect(bytesToHex(a)).not.toBe(bytesToHex(b));
    expect(() => parseNodeKey(bytesToHex(a))).not.toThrow();
    expect(publicKeyOfNodeKey(a).length).toBe(64);
  });
});

describe('saveNodeKey / loadNodeKey', () => {
  it('writes 64 lowercase hex characters with mode 0600 and reads them back', async () => {
    const key = generateNodeKey();
    const p = join(dir, 'saved');
    await saveNodeKey(p, key);
    const text = await readFile(p, 'utf8');
    expect(text).toMatch(/^[0-9a-f]{64}$/); // geth format: no 0x, no newline
    expect(text).toBe(bytesToHex(key));
    expect((await stat(p)).mode & 0o777).toBe(0o600);
    expect(bytesToHex(await loadNodeKey(p))).toBe(bytesToHex(key));
  });

  it('loads the vector key in geth format', async () => {
    const p = await keyFile(KEY_A);
    const key = await loadNodeKey(p);
    expect(bytesToHex(key)).toBe(KEY_A);
    expect(bytesToHex(publicKeyOfNodeKey(key))).toBe(PUB_A);
  });

  it.each([
    ['trailing newline', `${KEY_A}\n`],
    ['trailing CRLF', `${KEY_A}\r\n`],
    ['trailing spaces and tabs', `${KEY_A}  \t\n`],
    ['upper-case hex', KEY_A.toUpperCase()],
  ])('accepts %s', async (_name, content) => {
    const p = await keyFile(content);
    expect(bytesToHex(await loadNodeKey(p))).toBe(KEY_A);
  });

  it('refuses to save an invalid key (and creates no file)', async () => {
    const p = join(dir, 'never-written');
    await expectKeyError(saveNodeKey(p, new Uint8Array(32)), p, /not a valid secp256k1 private key/);
    await expectKeyError(saveNodeKey(p, new Uint8Array(31).fill(1)), p, /not a valid secp256k1 private key/);
    await expect(stat(p)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.each([
    ['too short (62 hex)', KEY_A.slice(0, 62), /64 hex characters/],
    ['too long (66 hex)', KEY_A + 'ab', /64 hex characters/],
    ['empty', '', /64 hex characters/],
    ['0x prefix', '0x' + KEY_A, /64 hex characters/],
    ['non-hex character', 'g' + KEY_A.slice(1), /64 hex characters/],
    ['two keys on two lines', `${KEY_A}\n${KEY_A}\n`, /64 hex characters/],
    ['zero key', '0'.repeat(64), /not a valid secp256k1 private key/],
    ['key = curve order n', hex64(CURVE_N), /not a valid secp256k1 private key/],
    ['key = n + 1', hex64(CURVE_N + 1n), /not a valid secp256k1 private key/],
    ['key = 2^256 - 1', 'f'.repeat(64), /not a valid secp256k1 private key/],
  ])('rejects a file that is %s, naming the path', async (_name, content, message) => {
    const p = await keyFile(content);
    await expectKeyError(loadNodeKey(p), p, message);
  });

  it('accepts the largest valid key (n - 1) and the smallest (1)', async () => {
    for (const k of [CURVE_N - 1n, 1n]) {
      const p = await keyFile(hex64(k));
      expect(bytesToHex(await loadNodeKey(p))).toBe(hex64(k));
    }
  });

  it('reports a missing file with its path and the errno code', async () => {
    const p = join(dir, 'does-not-exist');
    await expectKeyError(loadNodeKey(p), p, /cannot read: ENOENT/);
  });

  it('reports a directory given as a key file', async () => {
    await expectKeyError(loadNodeKey(dir), dir, /cannot read: EISDIR/);
  });

  it('save -> load round-trips random keys', async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 1n, max: CURVE_N - 1n }), async (k) => {
        const key = hexToBytes(hex64(k));
        const p = join(dir, `prop-${seq++}`);
        await saveNodeKey(p, key);
        expect(bytesToHex(await loadNodeKey(p))).toBe(hex64(k));
      }),
      { numRuns: 20 },
    );
  });
});

describe('parseNodeKey', () => {
  it('without a path the error carries no path', () => {
    let err: unknown;
    try {
      parseNodeKey('xyz');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NodeKeyError);
    expect((err as NodeKeyError).path).toBeUndefined();
    expect((err as NodeKeyError).message).toBe('expected 64 hex characters');
  });
});
