/**
 * Property tests for the eth codecs: generated values round-trip, and the strict reader agrees
 * with a second RLP implementation (@ethereumjs/rlp). That every decoder fails only with
 * DecodeError on arbitrary bytes, wrong shapes and mutations is checked for all decoders from
 * the shared registry (test/fuzz/targets.ts, test/fuzz/registry.property.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RlpReader } from '../../src/common/rlp-reader.js';
import { decodeForkId, encodeForkId } from '../../src/chain/forkid.js';
import { decodeHeader } from '../../src/chain/header.js';
import { decodeEthMessage, encodeEthMessage, type EthMessage } from '../../src/eth/messages/index.js';
import { ETH_VERSIONS, EthMessageCode, type EthVersion } from '../../src/eth/protocol.js';
import { accepts, ejsRlpDecode, ejsRlpEncode } from '../support/rlp-tree.js';
import { forkIdArb, headerArb, MESSAGE_ARBS, nearRlp, rlpValue } from './arbitraries.js';

const RUNS = { numRuns: 150 };

describe('round-trip of generated values', () => {
  for (const version of ETH_VERSIONS) {
    for (const [name, arb] of Object.entries(MESSAGE_ARBS[version] as Record<string, fc.Arbitrary<unknown>>)) {
      it(`eth/${version} ${name}`, () => {
        fc.assert(
          fc.property(arb, (value) => {
            const msg = { name, value } as EthMessage<EthVersion>;
            const { code, data } = encodeEthMessage(version, msg);
            expect(code).toBe(EthMessageCode[name as keyof typeof EthMessageCode]);
            const back = decodeEthMessage(version, code, data);
            expect(back).toEqual(msg);
            // Re-encoding the decoded value gives the same bytes (canonical encoding).
            expect(encodeEthMessage(version, back).data).toEqual(data);
          }),
          RUNS,
        );
      });
    }
  }

  it('BlockHeader', () => {
    fc.assert(fc.property(headerArb, (h) => {
          expect(decodeHeader(h.raw)).toEqual(h);
        }), RUNS);
  });

  it('ForkId', () => {
    fc.assert(fc.property(forkIdArb, (id) => {
          expect(decodeForkId(encodeForkId(id))).toEqual(id);
        }), RUNS);
  });
});

describe('RlpReader agrees with @ethereumjs/rlp', () => {
  const readerAccepts = (b: Uint8Array) =>
    accepts(() => {
      const r = RlpReader.over(b, 'test');
      r.raw('item');
      r.done();
    });

  it('on which byte strings are one well-formed RLP item', () => {
    fc.assert(
      fc.property(nearRlp, (b) => {
        expect(readerAccepts(b)).toBe(accepts(() => ejsRlpDecode(b)));
      }),
      { numRuns: 2000 },
    );
  });

  it('on valid encodings', () => {
    fc.assert(
      fc.property(rlpValue, (v) => {
        expect(readerAccepts(ejsRlpEncode(v))).toBe(true);
      }),
      RUNS,
    );
  });
});
