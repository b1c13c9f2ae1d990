import { afterEach, describe, expect, it, vi } from 'vitest';
import { backend } from '../../src/crypto/select.js';
import { generatePrivateKey, isValidPrivateKey, privateKeyFrom, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { N } from '../../src/crypto/secp256k1-params.js';
import { hexToBytes } from '../../src/common/bytes.js';
import { eciesDecrypt, eciesEncrypt, ECIES_RANDOM_BYTES } from '../../src/rlpx/ecies.js';
import { decodeAckBody, decodeAuthBody, HANDSHAKE_RANDOM_BYTES, HANDSHAKE_VERSION, InitiatorHandshake, RecipientHandshake } from '../../src/rlpx/handshake.js';
import { RANDOM_POOL_BYTES } from '../../src/crypto/random.js';
import { FrameCodec } from '../../src/rlpx/frame.js';
import { RLP } from '@ethereumjs/rlp';

/** Counts the backend's secp256k1 operations and random draws while `fn` runs. */
function countCalls(fn: () => void): Record<'publicKey' | 'ecdh' | 'sign' | 'recover', number> {
  const b = backend();
  const spies = {
    publicKey: vi.spyOn(b.secp256k1, 'publicKey'),
    ecdh: vi.spyOn(b.secp256k1, 'ecdh'),
    sign: vi.spyOn(b.secp256k1, 'sign'),
    recover: vi.spyOn(b.secp256k1, 'recover'),
  };
  fn();
  const counts = Object.fromEntries(Object.entries(spies).map(([k, s]) => [k, s.mock.calls.length]));
  for (const s of Object.values(spies)) s.mockRestore();
  return counts as ReturnType<typeof countCalls>;
}

afterEach(() => vi.restoreAllMocks());

describe('what one handshake costs in primitives', () => {
  const a = generatePrivateKey();
  const b = generatePrivateKey();
  const bPub = publicKeyOf(b);
  publicKeyOf(a); // static keys' public halves are cached: not part of a handshake's cost

  it('the initiator: one key generation (ECIES), two ECDH, one signature; reading ack: two ECDH', () => {
    let init!: InitiatorHandshake;
    // The ephemeral public key is never computed: the recipient recovers it from the signature.
    expect(countCalls(() => (init = new InitiatorHandshake(a, bPub)))).toEqual({ publicKey: 1, ecdh: 2, sign: 1, recover: 0 });
    const { ackPacket } = new RecipientHandshake(b).readAuth(init.authPacket);
    expect(countCalls(() => init.readAck(ackPacket))).toEqual({ publicKey: 0, ecdh: 2, sign: 0, recover: 0 });
  });

  it('the recipient: two key generations, four ECDH, one recovery', () => {
    const init = new InitiatorHandshake(a, bPub);
    expect(countCalls(() => new RecipientHandshake(b).readAuth(init.authPacket))).toEqual({ publicKey: 2, ecdh: 4, sign: 0, recover: 1 });
  });

  it('each side takes its randomness in one pooled request: 20 handshakes draw from the backend at most once', () => {
    const fill = vi.spyOn(backend(), 'randomFill');
    for (let i = 0; i < 20; i++) {
      const init = new InitiatorHandshake(a, bPub);
      init.readAck(new RecipientHandshake(b).readAuth(init.authPacket).ackPacket);
    }
    // 40 requests of HANDSHAKE_RANDOM_BYTES (12.6 KiB) fit one 16 KiB pool; a draw per side would be 40.
    expect(40 * HANDSHAKE_RANDOM_BYTES).toBeLessThan(RANDOM_POOL_BYTES);
    expect(fill.mock.calls.length).toBeLessThanOrEqual(1);
    fill.mockRestore();
  });

  it('a recipient asked to answer twice draws fresh randomness for the second ack', () => {
    const init = new InitiatorHandshake(a, bPub);
    const r = new RecipientHandshake(b);
    const first = r.readAuth(init.authPacket).ackPacket;
    const second = r.readAuth(init.authPacket).ackPacket;
    // Another ECIES ephemeral key (bytes 3..67) and IV: no keystream is used twice.
    expect(second.subarray(3, 83)).not.toEqual(first.subarray(3, 83));
    expect(init.readAck(second).aesSecret).toEqual(init.readAck(first).aesSecret);
  });
});

/** Counts the backend's hashing and cipher set-ups while `fn` runs; `sha256Parts` sums the inputs handed to sha256 (one each: the one-shot path). */
function countSymmetric(fn: () => void): Record<'sha256' | 'sha256Parts' | 'hmacSha256' | 'aesCtr', number> {
  const b = backend();
  const spies = { sha256: vi.spyOn(b, 'sha256'), hmacSha256: vi.spyOn(b, 'hmacSha256'), aesCtr: vi.spyOn(b, 'aesCtr') };
  fn();
  const counts = {
    sha256: spies.sha256.mock.calls.length,
    sha256Parts: spies.sha256.mock.calls.reduce((n, [parts]) => n + parts.length, 0),
    hmacSha256: spies.hmacSha256.mock.calls.length,
    aesCtr: spies.aesCtr.mock.calls.length,
  };
  for (const s of Object.values(spies)) s.mockRestore();
  return counts;
}

describe('what one handshake costs around the curve', () => {
  const a = generatePrivateKey();
  const b = generatePrivateKey();
  const bPub = publicKeyOf(b);
  publicKeyOf(a);

  it('each ECIES message: two single-input SHA-256 (KDF, MAC key), one HMAC, one AES-CTR set-up', () => {
    let init!: InitiatorHandshake;
    expect(countSymmetric(() => (init = new InitiatorHandshake(a, bPub)))).toEqual({ sha256: 2, sha256Parts: 2, hmacSha256: 1, aesCtr: 1 });
    let ackPacket!: Uint8Array;
    expect(countSymmetric(() => ({ ackPacket } = new RecipientHandshake(b).readAuth(init.authPacket)))).toEqual({ sha256: 4, sha256Parts: 4, hmacSha256: 2, aesCtr: 2 });
    expect(countSymmetric(() => init.readAck(ackPacket))).toEqual({ sha256: 2, sha256Parts: 2, hmacSha256: 1, aesCtr: 1 });
  });

  it('a frame codec: two AES-CTR streams and one AES key expansion shared by both MACs', () => {
    const init = new InitiatorHandshake(a, bPub);
    const { secrets } = new RecipientHandshake(b).readAuth(init.authPacket);
    let codec!: FrameCodec;
    expect(countSymmetric(() => (codec = new FrameCodec(secrets)))).toMatchObject({ aesCtr: 2 });
    const macs = codec as unknown as { egressMac: { aes: unknown }; ingressMac: { aes: unknown } };
    expect(macs.egressMac.aes).toBe(macs.ingressMac.aes);
  });

  it('auth and ack bodies are the reference encoder\'s RLP followed by 100-199 bytes of padding', () => {
    const init = new InitiatorHandshake(a, bPub);
    const authPlain = eciesDecrypt(b, init.authPacket.subarray(2), init.authPacket.subarray(0, 2));
    const auth = decodeAuthBody(authPlain);
    const authRlp = RLP.encode([auth.signature, auth.initiatorPublicKey, auth.initiatorNonce, HANDSHAKE_VERSION]);
    expect(authPlain.subarray(0, authRlp.length)).toEqual(authRlp);
    expect(authPlain.length - authRlp.length).toBeGreaterThanOrEqual(100);
    expect(authPlain.length - authRlp.length).toBeLessThanOrEqual(199);
    const { ackPacket } = new RecipientHandshake(b).readAuth(init.authPacket);
    const ackPlain = eciesDecrypt(a, ackPacket.subarray(2), ackPacket.subarray(0, 2));
    const ack = decodeAckBody(ackPlain);
    const ackRlp = RLP.encode([ack.recipientEphemeralKey, ack.recipientNonce, HANDSHAKE_VERSION]);
    expect(ackPlain.subarray(0, ackRlp.length)).toEqual(ackRlp);
    expect(ackPlain.length - ackRlp.length).toBeGreaterThanOrEqual(100);
    expect(ackPlain.length - ackRlp.length).toBeLessThanOrEqual(199);
  });
});

describe('randomness handed to ECIES and keys', () => {
  it('privateKeyFrom keeps a valid candidate and replaces zero or n by a fresh key', () => {
    const k = generatePrivateKey();
    expect(privateKeyFrom(k)).toBe(k);
    for (const bad of [new Uint8Array(32), hexToBytes(N.toString(16))]) {
      const fresh = privateKeyFrom(bad);
      expect(fresh).not.toBe(bad);
      expect(isValidPrivateKey(fresh)).toBe(true);
    }
  });

  it('eciesEncrypt uses the given randomness: same bytes in, same packet out, and it decrypts', () => {
    const k = generatePrivateKey();
    const random = new Uint8Array(ECIES_RANDOM_BYTES).fill(7);
    const msg = Uint8Array.of(1, 2, 3);
    const one = eciesEncrypt(publicKeyOf(k), msg, undefined, random);
    expect(eciesEncrypt(publicKeyOf(k), msg, undefined, random)).toEqual(one);
    expect(one.subarray(65, 81)).toEqual(random.subarray(32));
    expect(eciesDecrypt(k, one)).toEqual(msg);
  });

  it('eciesEncrypt with an out-of-range key candidate still encrypts (fresh key); wrong sizes are refused', () => {
    const k = generatePrivateKey();
    const enc = eciesEncrypt(publicKeyOf(k), Uint8Array.of(9), undefined, new Uint8Array(ECIES_RANDOM_BYTES));
    expect(eciesDecrypt(k, enc)).toEqual(Uint8Array.of(9));
    expect(() => eciesEncrypt(publicKeyOf(k), Uint8Array.of(9), undefined, new Uint8Array(ECIES_RANDOM_BYTES - 1))).toThrow(RangeError);
  });
});
