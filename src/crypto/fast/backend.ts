/**
 * The fast backend's primitives, built over modules that ./index.ts loaded. The accelerators'
 * types are declared here by the parts we call, so the build does not need the optional
 * packages installed.
 */
import type * as NodeCrypto from 'node:crypto';
import type { CryptoBackend, CtrStream, Secp256k1Backend } from '../backend.js';
import { keccak256Once, WasmRunningKeccak, type KeccakF1600 } from './running-keccak.js';
import { SnappyCompressor } from './snappy-compress.js';

/** The part of tiny-secp256k1 we use. */
export interface TinySecp256k1 {
  isPoint(p: Uint8Array): boolean;
  pointFromScalar(d: Uint8Array, compressed?: boolean): Uint8Array | null;
  pointMultiply(p: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array | null;
  pointCompress(p: Uint8Array, compressed?: boolean): Uint8Array;
  signRecoverable(h: Uint8Array, d: Uint8Array): { signature: Uint8Array; recoveryId: 0 | 1 | 2 | 3 };
  recover(h: Uint8Array, signature: Uint8Array, recoveryId: 0 | 1 | 2 | 3, compressed?: boolean): Uint8Array | null;
  verify(h: Uint8Array, q: Uint8Array, signature: Uint8Array, strict?: boolean): boolean;
}

/** snappy-wasm's raw block codec. */
export interface SnappyWasm {
  compress_raw(input: Uint8Array): Uint8Array;
  decompress_raw(input: Uint8Array): Uint8Array;
}

export interface FastModules {
  nodeCrypto: typeof NodeCrypto;
  /** Our keccak-f[1600] module, shared by every keccak-256 call and running state (the RLPx MACs). */
  keccakF1600: KeccakF1600;
  ecc: TinySecp256k1;
  snappy: SnappyWasm;
}

function libsecp256k1(ecc: TinySecp256k1): Secp256k1Backend {
  return {
    publicKey: (privateKey) => ecc.pointFromScalar(privateKey, false)!.subarray(1),
    ecdh(privateKey, point) {
      const p = ecc.pointMultiply(point, privateKey, false);
      return p ? p.slice(1, 33) : undefined;
    },
    sign(digest, privateKey) {
      const { signature, recoveryId } = ecc.signRecoverable(digest, privateKey);
      const out = new Uint8Array(65);
      out.set(signature);
      out[64] = recoveryId;
      return out;
    },
    recover(digest, rs, v) {
      try {
        return ecc.recover(digest, rs, v as 0 | 1 | 2 | 3, false)?.subarray(1);
      } catch {
        return undefined;
      }
    },
    verify: (digest, rs, point) => ecc.verify(digest, point, rs, true),
    ecdhPoint(privateKey, point) {
      const p = ecc.pointMultiply(point, privateKey, false);
      return p ? p.slice(1) : undefined;
    },
    decompress(compressed) {
      if (!ecc.isPoint(compressed)) return undefined;
      return ecc.pointCompress(compressed, false).subarray(1);
    },
  };
}

/**
 * Inputs up to this many bytes are compressed by our own {@link SnappyCompressor}, longer ones
 * by snappy-wasm: above 1,024 bytes snappy-wasm allocates and zeroes a 32 KiB table per call
 * (~6 µs), which outweighs its faster loop until a few KiB (measured crossover 2-4 KiB).
 */
export const SMALL_SNAPPY_INPUT = 2048;

/**
 * An AES-CTR stream on a node:crypto cipher. A class rather than an object of closures: an RLPx
 * session holds two, for as long as it lives, and closures and their context cost heap per peer.
 */
class NodeCtrStream implements CtrStream {
  constructor(private readonly cipher: NodeCrypto.Cipher) {}

  process(src: Uint8Array, dst: Uint8Array): void {
    dst.set(this.cipher.update(src));
  }

  processCopy(src: Uint8Array): Uint8Array {
    const b = this.cipher.update(src);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
}

/** Length of an AES-GCM authentication tag. */
const GCM_TAG = 16;

export function makeFastBackend(m: FastModules): CryptoBackend {
  const { nodeCrypto, keccakF1600, ecc, snappy } = m;
  const smallSnappy = new SnappyCompressor();
  const oneShotHash = typeof nodeCrypto.hash === 'function' ? nodeCrypto.hash : undefined;
  return {
    name: 'fast',
    implementations: {
      keccak: 'keccak-f1600 WebAssembly of our own',
      secp256k1: 'tiny-secp256k1',
      aes: 'node:crypto',
      aesGcm: 'node:crypto',
      hkdf: 'node:crypto',
      sha256: 'node:crypto',
      snappy: 'snappy-wasm; compression of blocks up to 2 KiB: an encoder of our own',
      random: 'node:crypto',
    },
    keccak256: (parts) => keccak256Once(keccakF1600, parts),
    keccakState: () => new WasmRunningKeccak(keccakF1600),
    sha256(parts) {
      // One input (the ECIES KDF and MAC key): node:crypto's one-shot hash, about half the cost
      // of a Hash object. `hash` is in Node >= 20.12; older versions take the object path.
      if (parts.length === 1 && oneShotHash) return new Uint8Array(oneShotHash('sha256', parts[0]!, 'buffer'));
      const h = nodeCrypto.createHash('sha256');
      for (const p of parts) h.update(p);
      return new Uint8Array(h.digest());
    },
    hmacSha256(key, parts) {
      const h = nodeCrypto.createHmac('sha256', key);
      for (const p of parts) h.update(p);
      return new Uint8Array(h.digest());
    },
    aesCtr: (key, iv) => new NodeCtrStream(nodeCrypto.createCipheriv(`aes-${key.length * 8}-ctr`, key, iv)),
    aesGcmSeal(key, nonce, plaintext, aad) {
      const c = nodeCrypto.createCipheriv(key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm', key, nonce);
      c.setAAD(aad);
      const head = c.update(plaintext);
      const tail = c.final();
      const out = new Uint8Array(head.length + tail.length + GCM_TAG);
      out.set(head);
      out.set(tail, head.length);
      out.set(c.getAuthTag(), head.length + tail.length);
      return out;
    },
    aesGcmOpen(key, nonce, sealed, aad) {
      if (sealed.length < GCM_TAG) return undefined;
      const d = nodeCrypto.createDecipheriv(key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm', key, nonce);
      d.setAAD(aad);
      d.setAuthTag(sealed.subarray(sealed.length - GCM_TAG));
      const head = d.update(sealed.subarray(0, sealed.length - GCM_TAG));
      try {
        const tail = d.final();
        if (tail.length === 0) return new Uint8Array(head.buffer, head.byteOffset, head.byteLength);
        const out = new Uint8Array(head.length + tail.length);
        out.set(head);
        out.set(tail, head.length);
        return out;
      } catch {
        return undefined;
      }
    },
    hkdfSha256: (ikm, salt, info, length) => new Uint8Array(nodeCrypto.hkdfSync('sha256', ikm, salt, info, length)),
    secp256k1: libsecp256k1(ecc),
    snappyCompress: (data) => (data.length <= SMALL_SNAPPY_INPUT ? smallSnappy.compress(data) : snappy.compress_raw(data)),
    snappyUncompress(data, length) {
      let out: Uint8Array;
      try {
        out = snappy.decompress_raw(data);
      } catch {
        return undefined;
      }
      return out.length === length ? out : undefined;
    },
    randomFill: (out) => void nodeCrypto.randomFillSync(out),
  };
}
