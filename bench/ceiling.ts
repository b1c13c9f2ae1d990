/**
 * The ceiling of the primitives we chose, measured in this run, without sockets or framing:
 *
 * - RLPx bytes: one 1 MiB message costs, at the sender, AES-256-CTR over it plus the keccak MAC
 *   absorbing it (plus 4 MAC digests and 2 AES blocks per frame), and the same at the
 *   receiver. Both ends run on one core in the loopback benchmark, so the ceiling is
 *   1 MiB / (seal + open primitive time). Snappy is reported beside it: with compression on,
 *   the pipeline also pays compress + uncompress, so a second ceiling includes those.
 * - Handshakes: per connection (both ends) 8 ECDH + 4 key generations + 1 sign + 1 recovery.
 *
 * The primitives are the active crypto backend's (bench/pure.ts runs this on the pure one).
 */
import { performance } from 'node:perf_hooks';
import { keccak256 } from '../src/crypto/keccak.js';
import { AesCtr } from '../src/crypto/aes.js';
import { ecdh, generateKeyPair, generatePrivateKey, publicKeyOf, recoverPublicKey, sign } from '../src/crypto/secp256k1.js';
import { FrameMac } from '../src/rlpx/mac.js';
import { snappyCompress, snappyUncompress } from '../src/rlpx/snappy.js';
import { benchPayload } from './ejs/rlpx.js';
import { median } from './measure.js';

function medianMs(reps: number, fn: () => void): number {
  for (let i = 0; i < Math.min(3, reps); i++) fn();
  const xs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    fn();
    xs.push(performance.now() - t);
  }
  return median(xs);
}

export interface Ceilings {
  /** ms per 1 MiB: AES-256-CTR + keccak MAC for one end (seal or open). */
  cryptoOneEndMs: number;
  /** ms per 1 MiB of the benchmark payload: snappy compress + uncompress. */
  snappyMs: number;
  /** MB/s ceiling for 1 MiB messages with both ends on one core, crypto only. */
  crypto1MiBMBps: number;
  /** Same, including snappy on the benchmark payload (and crypto over the compressed bytes). */
  pipeline1MiBMBps: number;
  /** Handshakes per second (both ends on one core) allowed by the secp256k1 operations alone. */
  handshakesPerS: number;
  /** keccak-256 of 1 MiB, one shot. */
  keccak1MiBMs: number;
  ecdhMs: number;
  keygenMs: number;
  signMs: number;
  recoverMs: number;
}

/** `reps` scales the repetitions (1 = the full run; the pure backend is ~10x slower per byte). */
export function measureCeilings(opts: { reps?: number } = {}): Ceilings {
  const reps = (n: number) => Math.max(3, Math.round(n * (opts.reps ?? 1)));
  const MiB = 1 << 20;
  const payload = benchPayload(MiB);
  const secret = new Uint8Array(32).fill(9);
  const aes = new AesCtr(secret, new Uint8Array(16));
  const mac = new FrameMac(secret, new Uint8Array(64));
  const header = new Uint8Array(16);
  const out = new Uint8Array(MiB);
  // As a frame is sealed: the bytes are laid out in the output, then encrypted and MACed there.
  const cryptoOneEnd = (bytes: Uint8Array) => {
    aes.process(header);
    mac.headerMac(header);
    const body = out.subarray(0, bytes.length);
    aes.process(bytes, body);
    mac.frameMac(body);
  };
  const cryptoOneEndMs = medianMs(reps(30), () => cryptoOneEnd(payload));
  const compressed = snappyCompress(payload);
  const compressedCryptoMs = medianMs(reps(30), () => cryptoOneEnd(compressed));
  const snappyMs = medianMs(reps(30), () => snappyUncompress(snappyCompress(payload)));
  const keccak1MiBMs = medianMs(reps(30), () => keccak256(payload));

  const a = generatePrivateKey();
  const bPub = publicKeyOf(generatePrivateKey());
  const digest = new Uint8Array(32).fill(3);
  const sig = sign(digest, a);
  const ecdhMs = medianMs(reps(200), () => ecdh(a, bPub));
  const keygenMs = medianMs(reps(200), () => generateKeyPair());
  const signMs = medianMs(reps(200), () => sign(digest, a));
  const recoverMs = medianMs(reps(200), () => recoverPublicKey(digest, sig));
  // Both ends: 4 ECDH each; 3 key pairs: one per ECIES message (auth, ack) and the recipient's
  // ephemeral key (the initiator's ephemeral public key is never computed: the recipient recovers it).
  const perHandshakeMs = 8 * ecdhMs + 3 * keygenMs + signMs + recoverMs;
  return {
    cryptoOneEndMs,
    snappyMs,
    crypto1MiBMBps: MiB / 1e6 / ((2 * cryptoOneEndMs) / 1000),
    pipeline1MiBMBps: MiB / 1e6 / ((2 * compressedCryptoMs + snappyMs) / 1000),
    handshakesPerS: 1000 / perHandshakeMs,
    keccak1MiBMs,
    ecdhMs,
    keygenMs,
    signMs,
    recoverMs,
  };
}
