import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DecodeError } from '../../src/common/errors.js';
import { bytesToHex, hexToBytes } from '../../src/common/bytes.js';
import { rlpDecode, rlpEncode, type RlpInput } from '../../src/common/rlp.js';
import { keccak256 } from '../../src/crypto/keccak.js';
import { publicKeyOf } from '../../src/crypto/secp256k1.js';
import {
  ENR_MAX_SIZE,
  Enr,
  EnrBuilder,
  EnrError,
  decodeEnr,
  encodeEnr,
  enrFromText,
  enrToText,
  verifySignature,
} from '../../src/enode/enr.js';
import { loadVectors } from '../support/vectors.js';

const v = loadVectors('enr.json');
const key = hexToBytes(v.private_key);

/** Runs `fn`; any exception must be a typed decode error. */
function onlyTypedErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
  }
}

/** Re-encodes a record's list with a change applied, keeping its signature. */
function tamper(enr: Enr, edit: (list: RlpInput[]) => void): Uint8Array {
  const list = rlpDecode(encodeEnr(enr), 'test') as RlpInput[];
  edit(list);
  return rlpEncode(list);
}

describe('ENR test vector (EIP-778)', () => {
  const enr = enrFromText(v.text);

  it('parses the text form to the given RLP', () => {
    expect(bytesToHex(encodeEnr(enr))).toBe(v.derived.rlp);
    expect(encodeEnr(enr).length).toBe(v.derived.record_size);
  });

  it('has the given seq, signature and sorted keys', () => {
    expect(enr.seq).toBe(BigInt(v.seq));
    expect(bytesToHex(enr.signature)).toBe(v.derived.signature);
    expect(enr.keys()).toEqual(['id', 'ip', 'secp256k1', 'udp']);
  });

  it('decodes the typed values', () => {
    expect(enr.id()).toBe(v.decoded.id);
    expect([...enr.ip()!].join('.')).toBe(v.decoded.ip);
    expect(enr.udp()).toBe(v.decoded.udp);
    expect(bytesToHex(enr.secp256k1()!)).toBe(v.decoded.secp256k1);
    expect(enr.tcp()).toBeUndefined();
    expect(enr.ip6()).toBeUndefined();
    expect(enr.eth()).toBeUndefined();
  });

  it('derives the node ID from the uncompressed key', () => {
    expect(bytesToHex(enr.publicKey)).toBe(v.derived.public_key_uncompressed);
    expect(bytesToHex(enr.nodeId)).toBe(v.node_id);
  });

  it('verifies the signature over keccak256 of the content', () => {
    const content = hexToBytes(v.derived.content_rlp);
    expect(bytesToHex(keccak256(content))).toBe(v.derived.content_hash);
    expect(verifySignature(keccak256(content), enr.signature, enr.secp256k1()!)).toBe(true);
    expect(verifySignature(keccak256(content, new Uint8Array([1])), enr.signature, enr.secp256k1()!)).toBe(false);
  });

  it('rebuilds the same text from the decoded fields and the key (RFC 6979)', () => {
    const rebuilt = new EnrBuilder().ip(hexToBytes('7f000001')).udp(v.decoded.udp).sign(key, 1n);
    expect(enrToText(rebuilt)).toBe(v.text);
  });
});

describe('ENR decoding rules', () => {
  const enr = enrFromText(v.text);

  it('rejects a record signed by another key', () => {
    const other = new EnrBuilder().udp(1).sign(hexToBytes('01'.repeat(32)));
    const forged = tamper(enr, (l) => (l[0] = other.signature));
    expect(() => decodeEnr(forged)).toThrow(EnrError);
  });

  it('rejects a changed value (signature no longer matches)', () => {
    const bytes = tamper(enr, (l) => (l[l.length - 1] = 30304));
    expect(() => decodeEnr(bytes)).toThrowError(/signature/);
  });

  it('rejects unsorted keys', () => {
    // swap the "ip" and "id" pairs
    const bytes = tamper(enr, (l) => {
      [l[2], l[3], l[4], l[5]] = [l[4]!, l[5]!, l[2]!, l[3]!];
    });
    expect(() => decodeEnr(bytes)).toThrowError(/not sorted/);
  });

  it('rejects duplicate keys', () => {
    const bytes = tamper(enr, (l) => l.splice(4, 0, l[4]!, l[5]!));
    expect(() => decodeEnr(bytes)).toThrowError(/duplicate/);
  });

  it('rejects an incomplete pair', () => {
    const bytes = tamper(enr, (l) => l.pop());
    expect(() => decodeEnr(bytes)).toThrowError(/incomplete/);
  });

  it('rejects a non-v4 identity scheme', () => {
    const bytes = tamper(enr, (l) => (l[3] = new TextEncoder().encode('v5')));
    expect(() => decodeEnr(bytes)).toThrowError(/identity scheme/);
  });

  it('rejects trailing bytes after the record', () => {
    const bytes = new Uint8Array([...encodeEnr(enr), 0]);
    expect(() => decodeEnr(bytes)).toThrow(DecodeError);
  });

  it('rejects text with padding, bad characters or a wrong prefix', () => {
    expect(() => enrFromText(v.text + '=')).toThrow(EnrError);
    expect(() => enrFromText(v.text.replace('-', '+'))).toThrow(EnrError);
    expect(() => enrFromText(v.text.replace('enr:', 'enode:'))).toThrow(EnrError);
  });

  it(`rejects records over ${ENR_MAX_SIZE} bytes, encoded or signed`, () => {
    const big = new EnrBuilder().set('big', new Uint8Array(200));
    expect(() => big.sign(key)).toThrowError(/limit 300/);
    // 300 bytes exactly is fine: list header 3 + signature 66 + seq 1 + id 6 + secp256k1 44
    // + key "x" 1 + value header 2 leaves 177 value bytes.
    const fits = new EnrBuilder().set('x', new Uint8Array(177)).sign(key);
    expect(encodeEnr(fits).length).toBe(ENR_MAX_SIZE);
    expect(decodeEnr(encodeEnr(fits)).seq).toBe(1n);
    expect(() => decodeEnr(new Uint8Array(ENR_MAX_SIZE + 1))).toThrowError(/limit 300/);
  });

  it('keeps unknown keys as raw RLP and re-encodes them unchanged', () => {
    const value = rlpEncode([new Uint8Array([1, 2]), [3, []]]);
    const rec = decodeEnr(encodeEnr(new EnrBuilder().setRaw('zz', value).sign(key)));
    expect(bytesToHex(rec.get('zz')!)).toBe(bytesToHex(value));
    const copy = new EnrBuilder(rec).sign(key);
    expect(copy.seq).toBe(rec.seq + 1n);
    expect(bytesToHex(copy.get('zz')!)).toBe(bytesToHex(value));
  });

  it('decodes the eth entry and ignores extra elements', () => {
    const rec = new EnrBuilder().set('eth', [[hexToBytes('fc64ec04'), 1150000n, 7], [1]]).sign(key);
    const fork = decodeEnr(encodeEnr(rec)).eth()!;
    expect(bytesToHex(fork.hash)).toBe('fc64ec04');
    expect(fork.next).toBe(1150000n);
    const built = new EnrBuilder().eth({ hash: hexToBytes('fc64ec04'), next: 0n }).sign(key);
    expect(built.eth()).toEqual({ hash: hexToBytes('fc64ec04'), next: 0n });
  });

  it('keeps a value nested 100 lists deep: only the 300-byte limit bounds a record', () => {
    let deep: RlpInput = [];
    for (let i = 0; i < 100; i++) deep = [deep];
    const rec = new EnrBuilder().set('deep', deep).sign(key);
    const back = decodeEnr(encodeEnr(rec));
    expect(back.get('deep')).toEqual(rlpEncode(deep));
    expect(encodeEnr(back)).toEqual(encodeEnr(rec));
  });

  it('typed getters throw EnrError for malformed values', () => {
    const rec = new EnrBuilder()
      .set('ip', new Uint8Array(5))
      .set('udp', 70000)
      .set('tcp', [])
      .set('eth', [[new Uint8Array(3), 0]])
      .set('ip6', new Uint8Array(4))
      .sign(key);
    expect(() => rec.ip()).toThrow(EnrError);
    expect(() => rec.udp()).toThrow(EnrError);
    expect(() => rec.tcp()).toThrow(EnrError);
    expect(() => rec.eth()).toThrow(EnrError);
    expect(() => rec.ip6()).toThrow(EnrError);
  });

  it('builder sets id and key and uses the key of the signer', () => {
    const k = hexToBytes('02'.repeat(32));
    const rec = new EnrBuilder().ip6(new Uint8Array(16).fill(1)).tcp6(30303).udp6(30301).sign(k);
    expect(rec.id()).toBe('v4');
    expect(bytesToHex(rec.publicKey)).toBe(bytesToHex(publicKeyOf(k)));
    expect(rec.tcp6()).toBe(30303);
    expect(rec.udp6()).toBe(30301);
    expect(rec.ip6()).toEqual(new Uint8Array(16).fill(1));
  });
});

describe('ENR properties', () => {
  const keyArb = fc.constantFrom(key, hexToBytes('01'.repeat(32)), hexToBytes('7f'.repeat(32)));
  const ipArb = fc.uint8Array({ minLength: 4, maxLength: 4 });
  const ip6Arb = fc.uint8Array({ minLength: 16, maxLength: 16 });
  const portArb = fc.integer({ min: 0, max: 65535 });
  const seqArb = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
  const rlpArb: fc.Arbitrary<RlpInput> = fc.letrec<{ item: RlpInput }>((tie) => ({
    item: fc.oneof(
      { depthSize: 'small' },
      fc.uint8Array({ maxLength: 20 }),
      fc.array(tie('item'), { maxLength: 3 }),
    ),
  })).item;

  const recordArb = fc.record({
    key: keyArb,
    seq: seqArb,
    ip: fc.option(ipArb, { nil: undefined }),
    ip6: fc.option(ip6Arb, { nil: undefined }),
    tcp: fc.option(portArb, { nil: undefined }),
    udp: fc.option(portArb, { nil: undefined }),
    udp6: fc.option(portArb, { nil: undefined }),
    eth: fc.option(fc.record({ hash: fc.uint8Array({ minLength: 4, maxLength: 4 }), next: seqArb }), { nil: undefined }),
    extra: fc.dictionary(fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 6 }), rlpArb, { maxKeys: 2 }),
  });

  type RecordInput = typeof recordArb extends fc.Arbitrary<infer T> ? T : never;

  /** Builds and signs; random extra entries can push a record over the size limit. */
  function build(r: RecordInput): Enr {
    const b = new EnrBuilder();
    for (const [k, val] of Object.entries(r.extra)) b.set(k, val);
    b.ip(r.ip).ip6(r.ip6).tcp(r.tcp).udp(r.udp).udp6(r.udp6).eth(r.eth);
    try {
      return b.sign(r.key, r.seq);
    } catch (err) {
      expect(err).toBeInstanceOf(EnrError);
      fc.pre(false);
      throw err;
    }
  }

  it('roundtrips built records through bytes and text', () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        const enr = build(r);
        const back = enrFromText(enrToText(enr));
        expect(bytesToHex(encodeEnr(back))).toBe(bytesToHex(encodeEnr(enr)));
        expect(back.seq).toBe(r.seq);
        expect(back.keys()).toEqual([...enr.keys()].sort());
        expect(back.tcp()).toBe(r.tcp);
        expect(back.udp()).toBe(r.udp);
        expect(back.udp6()).toBe(r.udp6);
        expect(back.ip()).toEqual(r.ip);
        expect(back.ip6()).toEqual(r.ip6);
        expect(back.eth()).toEqual(r.eth);
        expect(bytesToHex(back.nodeId)).toBe(bytesToHex(keccak256(publicKeyOf(r.key))));
      }),
      { numRuns: 100 },
    );
  });

  it('arbitrary bytes give only typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => onlyTypedErrors(() => decodeEnr(bytes))),
      { numRuns: 2000 },
    );
  });

  it('arbitrary RLP structures give only typed errors', () => {
    fc.assert(
      fc.property(rlpArb, (item) => onlyTypedErrors(() => decodeEnr(rlpEncode(item)))),
      { numRuns: 1000 },
    );
  });

  it('arbitrary text gives only typed errors', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (s) => {
        onlyTypedErrors(() => enrFromText(s));
        onlyTypedErrors(() => enrFromText('enr:' + s));
      }),
      { numRuns: 1000 },
    );
  });

  it('mutated records give only typed errors, and any accepted mutation re-encodes identically', () => {
    fc.assert(
      fc.property(
        recordArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: -3, max: 3 }),
        (r, edits, resize) => {
          const bytes = Uint8Array.from(encodeEnr(build(r)));
          for (const [pos, val] of edits) bytes[pos % bytes.length] = val;
          const input = resize >= 0 ? new Uint8Array([...bytes, ...new Uint8Array(resize)]) : bytes.slice(0, resize);
          try {
            const dec = decodeEnr(input);
            expect(bytesToHex(encodeEnr(dec))).toBe(bytesToHex(input));
            for (const get of ['ip', 'ip6', 'tcp', 'tcp6', 'udp', 'udp6', 'eth', 'id'] as const) {
              onlyTypedErrors(() => dec[get]());
            }
          } catch (err) {
            if (!(err instanceof DecodeError)) throw err;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('typed getters on arbitrary values give only typed errors', () => {
    fc.assert(
      fc.property(fc.array(rlpArb, { minLength: 8, maxLength: 8 }), keyArb, (vals, k) => {
        const names = ['ip', 'ip6', 'tcp', 'tcp6', 'udp', 'udp6', 'eth', 'x'] as const;
        const b = new EnrBuilder();
        names.forEach((n, i) => b.set(n, vals[i]));
        let rec: Enr;
        try {
          rec = decodeEnr(encodeEnr(b.sign(k)));
        } catch (err) {
          expect(err).toBeInstanceOf(EnrError); // only the size limit can fail here
          return;
        }
        for (const n of names) if (n !== 'x') onlyTypedErrors(() => rec[n]());
      }),
      { numRuns: 100 },
    );
  });
});
