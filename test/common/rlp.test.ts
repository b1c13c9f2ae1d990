/**
 * The generic RLP layer (rlpEncode, rlpDecode), built on the encoders and the strict reader
 * every codec uses, checked against a second implementation (@ethereumjs/rlp).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/common/errors.js';
import { rlpDecode, rlpEncode } from '../../src/common/rlp.js';
import { encBytes, encList, encUint } from '../../src/common/rlp-encode.js';
import type { RlpInput } from '../../src/common/rlp.js';
import { nearRlp, rlpValue } from '../eth/arbitraries.js';
import { accepts, ejsRlpDecode, ejsRlpEncode } from '../support/rlp-tree.js';

const RUNS = { numRuns: 1000 };

describe('generic RLP layer', () => {
  it('the composed encoders every codec uses write what @ethereumjs/rlp writes', () => {
    const composed = (v: RlpInput): Uint8Array => (v instanceof Uint8Array ? encBytes(v) : Array.isArray(v) ? encList(v.map(composed)) : encUint(v));
    fc.assert(
      fc.property(rlpValue, (v) => {
        expect(composed(v)).toEqual(ejsRlpEncode(v));
        expect(rlpEncode(v)).toEqual(ejsRlpEncode(v));
      }),
      RUNS,
    );
  });

  it('refuses integers RLP cannot carry', () => {
    expect(() => rlpEncode([1, [-1]])).toThrow(RangeError);
    expect(() => rlpEncode(2 ** 53)).toThrow(RangeError);
    expect(() => rlpEncode(-1n)).toThrow(RangeError);
  });

  it('decodes to the same tree, and accepts exactly the same non-empty inputs', () => {
    fc.assert(
      fc.property(nearRlp, (b) => {
        const ours = accepts(() => rlpDecode(b, 'test'));
        expect(ours).toBe(accepts(() => ejsRlpDecode(b)));
        if (ours) expect(rlpDecode(b, 'test')).toEqual(ejsRlpDecode(b));
      }),
      RUNS,
    );
  });

  it('ignores bytes after the item only when asked (EIP-8)', () => {
    const data = Uint8Array.of(0xc2, 0x01, 0x02, 0xff, 0xff);
    expect(() => rlpDecode(data, 'test')).toThrow(DecodeError);
    expect(rlpDecode(data, 'test', true)).toEqual([Uint8Array.of(1), Uint8Array.of(2)]);
  });

  it('decodes lists nested thousands deep without recursion', () => {
    let enc: Uint8Array = Uint8Array.of(0xc0);
    for (let i = 0; i < 5000; i++) enc = encList([enc]);
    let item = rlpDecode(enc, 'deep');
    let depth = 0;
    while (Array.isArray(item) && item.length === 1) {
      item = item[0]!;
      depth++;
    }
    expect(depth).toBe(5000);
  });
});
