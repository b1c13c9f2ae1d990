/**
 * The two crypto backends are interchangeable: the same random inputs, valid and invalid, give
 * the same bytes out or the same typed error (class and message) on pure and on fast.
 *
 * Runs in the fast project only: it loads both backends in one process, and the pure project
 * must not load WebAssembly.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CryptoBackend } from '../../src/crypto/backend.js';
import { loadCryptoBackend, runOnBackend } from '../../src/crypto/select.js';
import { compress, decompress, ecdh, publicKeyOf, recoverPublicKey, sign, validatePublicKey, verify } from '../../src/crypto/secp256k1.js';
import { keccak256, KeccakState } from '../../src/crypto/keccak.js';
import { hmacSha256, sha256 } from '../../src/crypto/hash.js';
import { AesCtr } from '../../src/crypto/aes.js';
import { concatKdf } from '../../src/crypto/kdf.js';
import { aesGcmOpen, aesGcmSeal } from '../../src/crypto/gcm.js';
import { hkdfSha256 } from '../../src/crypto/hkdf.js';
import { ecdhCompressed } from '../../src/crypto/secp256k1.js';
import { snappyCompress, snappyUncompress } from '../../src/crypto/snappy.js';
import { eciesDecrypt, eciesEncrypt } from '../../src/rlpx/ecies.js';
import { FrameCodec } from '../../src/rlpx/frame.js';
import type { HandshakeSecrets } from '../../src/rlpx/handshake.js';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const be32 = (v: bigint): Uint8Array => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'));
const num = (b: Uint8Array): bigint => BigInt('0x' + (hex(b) || '0'));

type Outcome = { value: unknown } | { error: string };

function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return hex(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function outcome(f: () => unknown): Outcome {
  try {
    return { value: plain(f()) };
  } catch (err) {
    const e = err as Error;
    return { error: `${e.constructor.name}: ${e.message}` };
  }
}

let pure: CryptoBackend;
let fast: CryptoBackend;

/** Runs `f` on each backend (with fresh copies of its inputs made by `f`) and requires equal outcomes. */
function same(f: () => unknown): Outcome {
  const a = runOnBackend(pure, () => outcome(f));
  const b = runOnBackend(fast, () => outcome(f));
  expect(a).toEqual(b);
  return a;
}

const bytes = (min: number, max = min) => fc.uint8Array({ minLength: min, maxLength: max });
/** Private keys: mostly valid, with the edges of the range and wrong lengths mixed in. */
const privateKey = fc.oneof(
  { weight: 6, arbitrary: bytes(32) },
  { weight: 1, arbitrary: fc.constantFrom(new Uint8Array(32), be32(N), be32(N - 1n), be32(N + 1n), new Uint8Array(32).fill(0xff), be32(1n)) },
  { weight: 1, arbitrary: fc.oneof(bytes(31), bytes(33)) },
);
const validKey = bytes(32).filter((k) => num(k) > 0n && num(k) < N);
/** 64-byte public keys: valid, off the curve, one bit off, coordinates >= p, or the wrong length. */
const publicKey = fc.oneof(
  { weight: 4, arbitrary: validKey.map((k) => publicKeyOf(k)) },
  { weight: 2, arbitrary: bytes(64) },
  { weight: 2, arbitrary: fc.tuple(validKey, fc.nat(511)).map(([k, bit]) => { const p = publicKeyOf(k).slice(); p[bit >> 3]! ^= 1 << (bit & 7); return p; }) },
  { weight: 1, arbitrary: fc.tuple(bytes(32), fc.boolean()).map(([b, first]) => { const p = new Uint8Array(64).fill(0xff); p.set(b, first ? 32 : 0); return p; }) },
  { weight: 1, arbitrary: fc.oneof(bytes(0, 63), bytes(65)) },
);

beforeAll(async () => {
  pure = await loadCryptoBackend('pure');
  fast = await loadCryptoBackend('fast');
});

describe.skipIf(process.env.DEVP2P_CRYPTO === 'pure')('pure and fast backends give the same results', () => {
  it('keccak-256, SHA-256, HMAC-SHA-256 and the ECIES KDF', () => {
    fc.assert(fc.property(fc.array(bytes(0, 600), { maxLength: 4 }), bytes(0, 80), fc.integer({ min: 1, max: 200 }), (parts, key, len) => {
      same(() => keccak256(...parts));
      same(() => sha256(...parts));
      same(() => hmacSha256(key, ...parts));
      same(() => concatKdf(parts[0] ?? key, len));
    }), { numRuns: 200 });
  });

  it('keccak-256 at block boundaries and past the 64 KiB input area of the fast module', () => {
    // The fast one-shot hash pads in the module's memory and falls back to a running state for
    // input that does not fit; both sides of each edge are compared.
    const sizes = [0, 1, 135, 136, 137, 271, 272, 273, 64_327, 64_328, 64_329, 64_463, 64_464, 64_465, 70_000, 200_000];
    fc.assert(fc.property(fc.constantFrom(...sizes), fc.nat(3), fc.integer(), (size, cuts, seed) => {
      const data = new Uint8Array(size).map((_, i) => (i * 31 + seed) & 0xff);
      const parts: Uint8Array[] = [];
      let at = 0;
      for (let c = 0; c < cuts && at < size; c++) {
        const next = at + (Math.abs(seed >> c) % (size - at + 1));
        parts.push(data.subarray(at, next));
        at = next;
      }
      parts.push(data.subarray(at));
      same(() => keccak256(...parts));
    }), { numRuns: 120 });
  });

  it('running keccak states (update, digest without finalising, update-and-digest)', () => {
    const op = fc.oneof(bytes(0, 300).map((d) => ({ update: d })), fc.constant({ digest: true }), bytes(0, 40).map((d) => ({ both: d })));
    fc.assert(fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
      same(() => {
        const s = new KeccakState();
        return ops.map((o) => ('update' in o ? (s.update(o.update), null) : 'both' in o ? s.updateAndDigest(o.both) : s.digest()));
      });
    }), { numRuns: 150 });
  });

  it('running keccak states over updates larger than the fast backend copies into WebAssembly at once (64,464 bytes)', () => {
    // Sizes around that chunk and around the 136-byte block, so both the chunk loop and the tail carry-over run.
    const size = fc.oneof(fc.integer({ min: 0, max: 140 }), fc.integer({ min: 64_300, max: 64_600 }), fc.integer({ min: 128_900, max: 200_000 }));
    fc.assert(fc.property(fc.array(fc.tuple(size, fc.nat(255)), { minLength: 1, maxLength: 4 }), (updates) => {
      same(() => {
        const s = new KeccakState();
        return updates.map(([n, seed]) => s.updateAndDigest(new Uint8Array(n).map((_, i) => (i * 31 + seed) & 0xff)));
      });
    }), { numRuns: 30 });
  });

  it('AES-CTR streams over chunks of any size and alignment', () => {
    const chunk = fc.tuple(bytes(0, 100), fc.nat(3));
    fc.assert(fc.property(fc.constantFrom(16, 24, 32), bytes(16), fc.array(chunk, { maxLength: 8 }), (keyLen, iv, chunks) => {
      const key = new Uint8Array(keyLen).map((_, i) => iv[i % 16]! ^ i);
      same(() => {
        const s = new AesCtr(key, iv);
        return chunks.map(([data, shift]) => {
          // Place the chunk at an offset so pure's word-aligned path and its copy path both run.
          const holder = new Uint8Array(data.length + shift);
          holder.set(data, shift);
          const view = holder.subarray(shift);
          return shift % 2 === 0 ? s.process(view) : s.process(view, new Uint8Array(view.length));
        });
      });
    }), { numRuns: 150 });
  });

  it('AES-GCM seal and open (valid, tampered and truncated input) and HKDF-SHA256', () => {
    const tamper = fc.constantFrom('none', 'flip', 'truncate', 'aad');
    fc.assert(fc.property(fc.constantFrom(16, 32), bytes(12), bytes(0, 300), bytes(0, 60), tamper, fc.nat(), (keyLen, nonce, pt, aad, kind, at) => {
      const key = new Uint8Array(keyLen).map((_, i) => nonce[i % 12]! ^ (i * 7));
      const sealed = same(() => aesGcmSeal(key, nonce, pt, aad));
      const ct = runOnBackend(pure, () => aesGcmSeal(key, nonce, pt, aad));
      let input = ct.slice();
      let ad = aad;
      if (kind === 'flip') input[at % input.length]! ^= 1 << (at % 8);
      if (kind === 'truncate') input = input.subarray(0, at % input.length);
      if (kind === 'aad') ad = Uint8Array.of(...aad, 1);
      const opened = same(() => aesGcmOpen(key, nonce, input, ad) ?? 'refused');
      if (kind === 'none') expect(opened).toEqual({ value: hex(pt) });
      else expect(opened).toEqual({ value: 'refused' });
      expect(sealed).toEqual({ value: hex(ct) });
    }), { numRuns: 200 });
    fc.assert(fc.property(bytes(0, 80), bytes(0, 80), bytes(0, 80), fc.integer({ min: 0, max: 400 }), (ikm, salt, info, len) => {
      same(() => hkdfSha256(ikm, salt, info, len));
    }), { numRuns: 150 });
  });

  it('ECDH as a compressed point (discv5), for valid and invalid keys and points', () => {
    fc.assert(fc.property(privateKey, publicKey, (k, pub) => {
      same(() => ecdhCompressed(k, pub));
    }), { numRuns: 120 });
  });

  it('secp256k1 public keys, ECDH and signatures, for valid and invalid keys and points', () => {
    fc.assert(fc.property(privateKey, publicKey, bytes(32), (k, pub, digest) => {
      // publicKeyOf caches per array: each backend gets its own copy.
      same(() => publicKeyOf(k.slice()));
      same(() => validatePublicKey(pub));
      same(() => ecdh(k, pub));
      same(() => sign(digest, k));
    }), { numRuns: 120 });
  });

  it('recovery: valid, other recovery id, high-S, random and out-of-range signatures', () => {
    const variant = fc.constantFrom('valid', 'flip-v', 'high-s', 'random', 'r>=n', 'v=2/3 small r', 'v>3');
    fc.assert(fc.property(validKey, bytes(32), variant, bytes(65), (k, digest, kind, junk) => {
      const sig = runOnBackend(fast, () => sign(digest, k));
      let s = sig.slice();
      if (kind === 'flip-v') s[64] ^= 1;
      if (kind === 'high-s') {
        s.set(be32(N - num(sig.subarray(32, 64))), 32);
        s[64] ^= 1;
      }
      if (kind === 'random') {
        s = junk.slice();
        s[64] = junk[64]! & 3;
      }
      if (kind === 'r>=n') s.set(new Uint8Array(32).fill(0xff));
      if (kind === 'v=2/3 small r') {
        s.set(new Uint8Array(16), 0); // r < p - n, so x = r + n is a field element
        s[64] = 2 + (junk[0]! & 1);
      }
      if (kind === 'v>3') s[64] = 4 + (junk[0]! % 252);
      same(() => recoverPublicKey(digest, s));
      const rs = s.subarray(0, 64);
      const pub = publicKeyOf(k);
      same(() => verify(digest, rs, pub));
      same(() => verify(digest, rs, compress(pub)));
      same(() => verify(digest, rs, Uint8Array.of(4, ...pub)));
      same(() => verify(digest, rs, junk.subarray(0, 33)));
    }), { numRuns: 120 });
  });

  it('compress and decompress, including x >= p and points off the curve', () => {
    const compressed = fc.oneof(
      bytes(32).map((x) => Uint8Array.of(2 + (x[0]! & 1), ...x)),
      bytes(32).map((x) => Uint8Array.of(x[1]!, ...x)),
      bytes(1).map((b) => Uint8Array.of(2 + (b[0]! & 1), ...be32(P + BigInt(b[0]! % 5)))),
      validKey.map((k) => compress(publicKeyOf(k))),
    );
    fc.assert(fc.property(compressed, publicKey, (c, pub) => {
      same(() => decompress(c));
      same(() => decompress(pub));
      same(() => decompress(Uint8Array.of(4, ...pub)));
      same(() => compress(pub));
    }), { numRuns: 150 });
  });

  it('snappy: each decodes the other, and refuses truncated, extended, mislabelled and oversize blocks alike', () => {
    const data = fc.tuple(bytes(0, 300), fc.integer({ min: 1, max: 40 })).map(([seed, reps]) => {
      const d = new Uint8Array(seed.length * reps);
      for (let i = 0; i < reps; i++) d.set(seed, i * seed.length);
      return d;
    });
    const damage = fc.record({ cut: fc.nat(), extra: bytes(1, 8), at: fc.nat(), bit: fc.nat(7), header: fc.integer({ min: -3, max: 3 }) });
    fc.assert(fc.property(data, damage, bytes(0, 64), (d, dmg, junk) => {
      for (const b of [pure, fast]) {
        const block = runOnBackend(b, () => snappyCompress(d));
        const ok = same(() => snappyUncompress(block, d.length));
        expect(ok).toEqual({ value: hex(d) });
        same(() => snappyUncompress(block, d.length - 1)); // over the limit: refused from the header
        same(() => snappyUncompress(block.subarray(0, dmg.cut % block.length), d.length));
        same(() => snappyUncompress(Uint8Array.of(...block, ...dmg.extra), 1 << 20));
        const flipped = block.slice();
        flipped[dmg.at % flipped.length]! ^= 1 << dmg.bit;
        same(() => snappyUncompress(flipped, 1 << 20));
        // The same tags under a header announcing a different length.
        const len = d.length + dmg.header;
        if (len >= 0 && len < 128 && d.length < 128) same(() => snappyUncompress(Uint8Array.of(len, ...block.subarray(1)), 1 << 20));
      }
      same(() => snappyUncompress(junk, 1 << 20));
    }), { numRuns: 150 });
  });

  it('ECIES: each decrypts the other, and a wrong MAC or key is the same EciesError', () => {
    fc.assert(fc.property(validKey, bytes(0, 300), bytes(0, 8), fc.nat(), (k, msg, macData, at) => {
      for (const b of [pure, fast]) {
        const sealed = runOnBackend(b, () => eciesEncrypt(publicKeyOf(k), msg, macData));
        expect(same(() => eciesDecrypt(k, sealed, macData))).toEqual({ value: hex(msg) });
        const bad = sealed.slice();
        bad[at % bad.length]! ^= 1;
        same(() => eciesDecrypt(k, bad, macData));
        same(() => eciesDecrypt(k, sealed, Uint8Array.of(...macData, 0)));
      }
    }), { numRuns: 40 });
  });

  it('RLPx frames: sealed on one, opened on the other; a flipped bit is the same FrameError', () => {
    const secrets = fc.record({ aesSecret: bytes(32), macSecret: bytes(32), egressMacInit: bytes(32, 200), ingressMacInit: bytes(32, 200), remotePublicKey: bytes(64) });
    const message = fc.tuple(fc.integer({ min: 0, max: 300 }), bytes(0, 2000));
    fc.assert(fc.property(secrets, fc.array(message, { minLength: 1, maxLength: 6 }), fc.nat(), fc.nat(7), (sec, msgs, at, bit) => {
      const mirror: HandshakeSecrets = { ...sec, egressMacInit: sec.ingressMacInit, ingressMacInit: sec.egressMacInit };
      for (const [sealOn, openOn] of [[pure, fast], [fast, pure]] as const) {
        const sealer = runOnBackend(sealOn, () => new FrameCodec(sec));
        const frames = msgs.map(([code, data]) => sealer.seal(code, data));
        const damaged = frames.map((f) => f.slice());
        const target = damaged[at % damaged.length]!;
        target[(at >> 3) % target.length]! ^= 1 << bit;
        const openAll = (list: Uint8Array[]) => () => {
          const opener = new FrameCodec(mirror);
          return list.map((f) => {
            const g = f.slice();
            const size = opener.openHeader(g.subarray(0, 32));
            return opener.openBody(g.subarray(32, 32 + (((size + 15) & ~15) + 16)), size);
          });
        };
        const good = runOnBackend(openOn, () => outcome(openAll(frames)));
        expect(good).toEqual({ value: msgs.map(([code, data]) => ({ code, data: hex(data) })) });
        same(openAll(damaged));
      }
    }), { numRuns: 40 });
  });
});
