/**
 * Header records (src/chain/header-record.ts) must accept and refuse exactly the headers the
 * full reader does, and agree with it on what they carry: header sync stores what the record
 * reader admits, so a header it let through that readHeader refuses would be a stored header
 * that no longer decodes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rlpDecode, rlpEncode, type RlpInput } from '../../src/common/rlp.js';
import { RlpReader } from '../../src/common/rlp-reader.js';
import { readHeader } from '../../src/chain/header.js';
import { readHeaderRecord } from '../../src/chain/header-record.js';
import { mulberry32, mutate } from '../fuzz/mutate.js';
import { headerArb } from '../eth/arbitraries.js';

type Outcome = { ok: false } | { ok: true; raw: Uint8Array; hash: Uint8Array; number: bigint; parentHash: Uint8Array; time: bigint };

function outcome(read: (r: RlpReader) => { raw: Uint8Array; hash: Uint8Array; number: bigint; parentHash: Uint8Array; time: bigint }, bytes: Uint8Array): Outcome {
  try {
    const r = RlpReader.over(bytes, 'test');
    const h = read(r);
    r.done();
    return { ok: true, raw: h.raw.slice(), hash: h.hash, number: h.number, parentHash: h.parentHash.slice(), time: h.time };
  } catch (err) {
    expect((err as Error).name).toBe('DecodeError');
    return { ok: false };
  }
}

const full = (b: Uint8Array) => outcome((r) => readHeader(r, 'header'), b);
const record = (b: Uint8Array) => outcome((r) => readHeaderRecord(r, 'header'), b);

/** Field-level damage: one item replaced by a wrong-size string, a padded integer, a list, or the tail cut or extended. */
const damageArb = fc.record({
  field: fc.nat(30),
  kind: fc.constantFrom('short', 'long', 'padded', 'list', 'cut', 'extra', 'empty'),
  len: fc.nat(40),
});

function damage(raw: Uint8Array, d: { field: number; kind: string; len: number }): Uint8Array {
  const items = rlpDecode(raw, 'header') as RlpInput[];
  const i = d.field % items.length;
  const item = items[i] as Uint8Array;
  switch (d.kind) {
    case 'short':
      items[i] = item instanceof Uint8Array ? item.subarray(0, Math.max(0, item.length - 1 - (d.len % 4))) : new Uint8Array(d.len);
      break;
    case 'long':
      items[i] = new Uint8Array((item instanceof Uint8Array ? item.length : 0) + 1 + (d.len % 8)).fill(7);
      break;
    case 'padded':
      items[i] = Uint8Array.from([0, ...(item instanceof Uint8Array ? item : [])]);
      break;
    case 'list':
      items[i] = [new Uint8Array(d.len % 3)];
      break;
    case 'cut':
      items.length = i;
      break;
    case 'extra':
      items.push(d.len % 2 === 0 ? new Uint8Array(d.len) : [new Uint8Array(1)]);
      break;
    case 'empty':
      items[i] = new Uint8Array(0);
      break;
  }
  return rlpEncode(items);
}

describe('header records agree with full headers', () => {
  it('on valid headers: same bytes, hash, number, parent hash and time', () => {
    fc.assert(
      fc.property(headerArb, (h) => {
        const a = record(h.raw);
        expect(a).toEqual(full(h.raw));
        expect(a).toMatchObject({ ok: true, number: h.number, time: h.time });
      }),
      { numRuns: 200 },
    );
  });

  it('on headers with one field damaged', () => {
    fc.assert(
      fc.property(headerArb, damageArb, (h, d) => {
        const bytes = damage(h.raw, d);
        expect(record(bytes)).toEqual(full(bytes));
      }),
      { numRuns: 1500 },
    );
  });

  it('on byte-level mutations', () => {
    fc.assert(
      fc.property(headerArb, fc.integer(), (h, seed) => {
        const bytes = mutate(h.raw, mulberry32(seed));
        expect(record(bytes)).toEqual(full(bytes));
      }),
      { numRuns: 1500 },
    );
  });
});
