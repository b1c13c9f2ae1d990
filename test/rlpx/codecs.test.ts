import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { RLP } from '@ethereumjs/rlp';
import { DecodeError } from '../../src/common/errors.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { eciesDecrypt, eciesEncrypt } from '../../src/rlpx/ecies.js';
import { EciesError, FrameError, HandshakeError } from '../../src/rlpx/errors.js';
import { decodeMessageId, encodeMessageId, FrameCodec, HEADER_LENGTH, MAX_FRAME_SIZE, paddedBodyLength } from '../../src/rlpx/frame.js';
import { decodeAckBody, decodeAuthBody, handshakePacketLength, InitiatorHandshake, RecipientHandshake } from '../../src/rlpx/handshake.js';
import { FrameMac } from '../../src/rlpx/mac.js';
import { AesBlock } from '../../src/crypto/aes.js';
import { decodeDisconnect, decodeHello, encodeDisconnect, encodeHello, MAX_HELLO_SIZE } from '../../src/rlpx/hello.js';
import { matchCapabilities } from '../../src/rlpx/capabilities.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';

/** A connected pair of frame codecs from a real handshake. */
function codecPair(): [FrameCodec, FrameCodec] {
  const a = generatePrivateKey();
  const b = generatePrivateKey();
  const init = new InitiatorHandshake(a, publicKeyOf(b));
  const { ackPacket, secrets } = new RecipientHandshake(b).readAuth(init.authPacket);
  return [new FrameCodec(init.readAck(ackPacket)), new FrameCodec(secrets)];
}

function open(codec: FrameCodec, frame: Uint8Array) {
  const size = codec.openHeader(frame.subarray(0, HEADER_LENGTH));
  expect(frame.length).toBe(HEADER_LENGTH + paddedBodyLength(size));
  return codec.openBody(frame.subarray(HEADER_LENGTH), size);
}

describe('ECIES', () => {
  it('round-trips and authenticates the shared MAC data', () => {
    const k = generatePrivateKey();
    const msg = new Uint8Array(randomBytes(300));
    const enc = eciesEncrypt(publicKeyOf(k), msg, Uint8Array.of(1, 2));
    expect(eciesDecrypt(k, enc, Uint8Array.of(1, 2))).toEqual(msg);
    expect(() => eciesDecrypt(k, enc, Uint8Array.of(1, 3))).toThrow(EciesError);
    expect(() => eciesDecrypt(generatePrivateKey(), enc, Uint8Array.of(1, 2))).toThrow(EciesError);
  });

  it('rejects an ephemeral key that is not on the curve (invalid-curve attack)', () => {
    const k = generatePrivateKey();
    const enc = eciesEncrypt(publicKeyOf(k), new Uint8Array(10));
    enc[10]! ^= 1; // the point's x coordinate no longer matches y
    expect(() => eciesDecrypt(k, enc)).toThrow(/not a point/);
  });

  it('gives only EciesError on arbitrary input', () => {
    const k = generatePrivateKey();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (junk) => {
      expect(() => eciesDecrypt(k, junk)).toThrow(EciesError);
    }), { numRuns: 300 });
  });
});

describe('handshake packets', () => {
  it('a full handshake gives both sides mirrored secrets', () => {
    const [a, b] = codecPair();
    const f = a.seal(0x10, Uint8Array.of(1, 2, 3));
    expect(open(b, f)).toEqual({ code: 0x10, data: Uint8Array.of(1, 2, 3) });
  });

  it('sends EIP-8 auth with random padding (sizes vary, within the 2 KiB cap)', () => {
    const sizes = new Set<number>();
    const remote = publicKeyOf(generatePrivateKey());
    for (let i = 0; i < 20; i++) {
      const p = new InitiatorHandshake(generatePrivateKey(), remote).authPacket;
      expect(handshakePacketLength(p)).toBe(p.length);
      sizes.add(p.length);
    }
    expect(sizes.size).toBeGreaterThan(3);
  });

  it('refuses a size prefix over 2 KiB or under the ECIES overhead', () => {
    expect(() => handshakePacketLength(Uint8Array.of(0x08, 0x00))).toThrow(HandshakeError);
    expect(() => handshakePacketLength(Uint8Array.of(0x00, 0x10))).toThrow(HandshakeError);
    expect(handshakePacketLength(Uint8Array.of(0x07, 0xfe))).toBe(2048);
  });

  it('auth/ack body decoders give only DecodeError on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (junk) => {
      for (const dec of [decodeAuthBody, decodeAckBody]) {
        try {
          dec(junk);
        } catch (err) {
          expect(err).toBeInstanceOf(DecodeError);
        }
      }
    }), { numRuns: 1000 });
  });

  it('a recipient gives only HandshakeError for arbitrary packets', () => {
    const r = new RecipientHandshake(generatePrivateKey());
    fc.assert(fc.property(fc.uint8Array({ minLength: 2, maxLength: 600 }), (junk) => {
      expect(() => r.readAuth(junk)).toThrow(HandshakeError);
    }), { numRuns: 300 });
  });
});

describe('frames', () => {
  it('round-trips messages of many sizes and codes, in order', () => {
    const [a, b] = codecPair();
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffff }), fc.uint8Array({ maxLength: 2000 }), (code, data) => {
      expect(open(b, a.seal(code, data))).toEqual({ code, data });
      expect(open(a, b.seal(code, data))).toEqual({ code, data });
    }), { numRuns: 300 });
  });

  it('encodes message IDs as RLP integers (0 is 0x80) and rejects non-canonical ones', () => {
    expect(encodeMessageId(0)).toEqual(Uint8Array.of(0x80));
    expect(encodeMessageId(0x7f)).toEqual(Uint8Array.of(0x7f));
    expect(encodeMessageId(0x80)).toEqual(Uint8Array.of(0x81, 0x80));
    expect(encodeMessageId(0x1234)).toEqual(Uint8Array.of(0x82, 0x12, 0x34));
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (code) => {
      const e = encodeMessageId(code);
      expect(decodeMessageId(e)).toEqual({ code, length: e.length });
    }));
    expect(() => decodeMessageId(Uint8Array.of(0x81, 0x05))).toThrow(FrameError);
    expect(() => decodeMessageId(Uint8Array.of(0x82, 0x00, 0x05))).toThrow(FrameError);
    expect(() => decodeMessageId(new Uint8Array())).toThrow(FrameError);
  });

  it('keeps codecs apart when their frames interleave (the MAC seed and open scratch are shared)', () => {
    const pairs = Array.from({ length: 3 }, codecPair);
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(2), fc.boolean(), fc.uint8Array({ maxLength: 300 })), { minLength: 1, maxLength: 30 }), (steps) => {
      // Seal across codecs in the generated order, then open grouped by codec (each direction's
      // frames still in order, as on its wire): each frame verifies only against its own
      // codec's MAC state.
      const sealed = steps.map(([i, dir, data]) => ({ i, dir, data, frame: (dir ? pairs[i]![0] : pairs[i]![1]).seal(0x10, data) }));
      for (const { i, dir, data, frame } of sealed.sort((x, y) => y.i - x.i || Number(x.dir) - Number(y.dir))) {
        expect(open(dir ? pairs[i]![1] : pairs[i]![0], frame)).toEqual({ code: 0x10, data });
      }
    }), { numRuns: 50 });
    const [a, b] = pairs[0]!;
    const f = a.seal(0x10, Uint8Array.of(1));
    expect(() => open(pairs[1]![1], f)).toThrow(FrameError);
    expect(open(b, f)).toEqual({ code: 0x10, data: Uint8Array.of(1) });
  });

  it('a frame MAC on an expanded key and a digest view (shared with the other direction) equals one on the key', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 200 }), (secret, header, body) => {
      const init = Uint8Array.of(1, 2, 3);
      const shared = new AesBlock(secret);
      const digests = new ArrayBuffer(64);
      const [m1, m2, m3] = [new FrameMac(secret, init), new FrameMac(shared, init, new Uint8Array(digests, 0, 32)), new FrameMac(shared, init, new Uint8Array(digests, 32, 32))];
      const h1 = m1.headerMac(header);
      expect(m2.headerMac(header)).toEqual(h1);
      expect(m3.headerMac(header)).toEqual(h1);
      const f1 = m1.frameMac(body);
      expect(m2.frameMac(body)).toEqual(f1);
      expect(m3.frameMac(body)).toEqual(f1);
    }), { numRuns: 50 });
    expect(() => new FrameMac(new Uint8Array(32), Uint8Array.of(1), new Uint8Array(16))).toThrow(RangeError);
  });

  it('refuses to seal a frame over 2^24-1 bytes', () => {
    const [a] = codecPair();
    expect(() => a.seal(0x10, new Uint8Array(MAX_FRAME_SIZE))).toThrow(FrameError);
  });

  it('detects any flipped bit in header or body', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (data, pos, bit) => {
      const [a, b] = codecPair();
      const f = a.seal(0x11, data);
      f[pos % f.length]! ^= 1 << bit;
      expect(() => open(b, f)).toThrow(FrameError);
    }), { numRuns: 50 });
  });
});

describe('Hello and Disconnect', () => {
  it('round-trips Hello', () => {
    fc.assert(fc.property(
      fc.record({
        protocolVersion: fc.integer({ min: 0, max: 255 }),
        clientId: fc.string({ maxLength: 100 }),
        capabilities: fc.array(fc.record({ name: fc.stringMatching(/^[a-z]{1,8}$/), version: fc.integer({ min: 0, max: 1000 }) }), { maxLength: 8 }),
        listenPort: fc.integer({ min: 0, max: 65535 }),
        publicKey: fc.uint8Array({ minLength: 64, maxLength: 64 }),
      }),
      (h) => {
        const encoded = encodeHello(h);
        expect(decodeHello(encoded)).toEqual(h);
        // The composed encoders give the bytes of the reference encoder (@ethereumjs/rlp).
        const te = new TextEncoder();
        expect(encoded).toEqual(RLP.encode([h.protocolVersion, te.encode(h.clientId), h.capabilities.map((c) => [te.encode(c.name), c.version]), h.listenPort, h.publicKey]));
      },
    ));
  });

  it('gives only DecodeError on arbitrary bytes, and refuses Hello over 2 KiB', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (junk) => {
      try {
        decodeHello(junk);
      } catch (err) {
        expect(err).toBeInstanceOf(DecodeError);
      }
      try {
        decodeDisconnect(junk);
      } catch (err) {
        expect(err).toBeInstanceOf(DecodeError);
      }
    }), { numRuns: 2000 });
    expect(() => decodeHello(new Uint8Array(MAX_HELLO_SIZE + 1))).toThrow(/exceeds 2048/);
  });

  it('reads Disconnect as [reason], a bare byte, or empty', () => {
    for (const r of [0, 4, 0x10]) {
      expect(decodeDisconnect(encodeDisconnect(r))).toBe(r);
      expect(decodeDisconnect(Uint8Array.of(r === 0 ? 0x80 : r))).toBe(r);
    }
    expect(decodeDisconnect(new Uint8Array())).toBe(DisconnectReason.Requested);
    expect(decodeDisconnect(Uint8Array.of(0xc0))).toBe(DisconnectReason.Requested);
    expect(encodeDisconnect(DisconnectReason.TooManyPeers)).toEqual(Uint8Array.of(0xc1, 0x04));
    for (let r = 0; r <= 0x10; r++) expect(encodeDisconnect(r)).toEqual(RLP.encode([r]));
  });
});

describe('capability matching', () => {
  const eth68 = { name: 'eth', version: 68, length: 17 };
  const eth69 = { name: 'eth', version: 69, length: 18 };
  const snap1 = { name: 'snap', version: 1, length: 8 };
  it('picks the highest shared version, orders by name, assigns offsets from 0x10', () => {
    expect(matchCapabilities([snap1, eth68, eth69], [{ name: 'snap', version: 1 }, { name: 'eth', version: 68 }, { name: 'eth', version: 69 }])).toEqual([
      { ...eth69, offset: 0x10 },
      { ...snap1, offset: 0x10 + 18 },
    ]);
  });
  it('ignores versions only one side has and names only one side has', () => {
    expect(matchCapabilities([eth68], [{ name: 'eth', version: 69 }, { name: 'les', version: 4 }])).toEqual([]);
    expect(matchCapabilities([eth68, eth69], [{ name: 'eth', version: 68 }])).toEqual([{ ...eth68, offset: 0x10 }]);
  });
});
