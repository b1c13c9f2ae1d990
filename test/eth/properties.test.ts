/**
 * Property tests for every decoder: generated values round-trip, and arbitrary bytes,
 * well-formed RLP of the wrong shape, and mutations of valid messages fail only with
 * DecodeError (never another exception type).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/common/errors.js';
import { rlpDecode, rlpEncode } from '../../src/common/rlp.js';
import { RlpReader } from '../../src/eth/rlp-reader.js';
import { decodeForkId, encodeForkId } from '../../src/eth/forkid.js';
import { decodeHeader } from '../../src/eth/header.js';
import { decodeEthMessage, encodeEthMessage, ETH_CODECS, type EthMessage } from '../../src/eth/messages/index.js';
import { decodeRequestIdEnvelope } from '../../src/eth/messages/request-id.js';
import { ETH_VERSIONS, EthMessageCode, type EthVersion } from '../../src/eth/protocol.js';
import { transactionFromRaw } from '../../src/eth/transaction.js';
import { forkIdArb, headerArb, MESSAGE_ARBS, mutate, mutation, rlpValue, txArb } from './arbitraries.js';

const RUNS = { numRuns: 150 };

/** Runs `decode` and fails the property if it throws anything but DecodeError. */
function onlyDecodeError(decode: (b: Uint8Array) => unknown, data: Uint8Array): void {
  try {
    decode(data);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw new Error(`non-DecodeError ${String((err as Error)?.name)}: ${String((err as Error)?.message)}`);
  }
}

interface DecoderCase {
  name: string;
  decode: (b: Uint8Array) => unknown;
  sample: fc.Arbitrary<Uint8Array>;
}

const decoders: DecoderCase[] = [];
for (const version of ETH_VERSIONS) {
  const codecs = ETH_CODECS[version] as Record<string, { encode(v: unknown): Uint8Array; decode(b: Uint8Array): unknown }>;
  const arbs = MESSAGE_ARBS[version] as Record<string, fc.Arbitrary<unknown>>;
  for (const name of Object.keys(codecs)) {
    decoders.push({ name: `eth/${version} ${name}`, decode: codecs[name]!.decode, sample: arbs[name]!.map((v) => codecs[name]!.encode(v)) });
  }
}
decoders.push(
  { name: 'BlockHeader', decode: decodeHeader, sample: headerArb.map((h) => h.raw) },
  { name: 'ForkId', decode: decodeForkId, sample: forkIdArb.map(encodeForkId) },
  { name: 'Transaction (canonical)', decode: transactionFromRaw, sample: txArb.map((t) => t.raw) },
  { name: 'request-ID envelope', decode: (b) => decodeRequestIdEnvelope(b), sample: fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), rlpValue).map(([id, v]) => rlpEncode([id, v])) },
);

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

describe('RlpReader agrees with the shared RLP decoder', () => {
  const accepts = (read: () => unknown) => {
    try {
      read();
      return true;
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      return false;
    }
  };
  const readerAccepts = (b: Uint8Array) =>
    accepts(() => {
      const r = RlpReader.over(b, 'test');
      r.raw('item');
      r.done();
    });

  it('on which byte strings are one well-formed RLP item', () => {
    const nearRlp = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      fc.tuple(rlpValue, mutation).map(([v, m]) => mutate(rlpEncode(v), m)).filter((b) => b.length > 0),
    );
    fc.assert(
      fc.property(nearRlp, (b) => {
        expect(readerAccepts(b)).toBe(accepts(() => rlpDecode(b, 'test')));
      }),
      { numRuns: 2000 },
    );
  });

  it('on valid encodings', () => {
    fc.assert(
      fc.property(rlpValue, (v) => {
        expect(readerAccepts(rlpEncode(v))).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('decoders fail only with DecodeError', () => {
  for (const d of decoders) {
    describe(d.name, () => {
      it('on arbitrary bytes', () => {
        fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => onlyDecodeError(d.decode, b)), RUNS);
      });

      it('on well-formed RLP of arbitrary shape', () => {
        fc.assert(fc.property(rlpValue, (v) => onlyDecodeError(d.decode, rlpEncode(v))), RUNS);
      });

      it('on mutations of valid encodings', () => {
        fc.assert(
          fc.property(d.sample, fc.array(mutation, { minLength: 1, maxLength: 3 }), (data, ms) => {
            onlyDecodeError(d.decode, ms.reduce(mutate, data));
          }),
          RUNS,
        );
      });
    });
  }
});
