/**
 * The fast backend: secp256k1 from tiny-secp256k1 (libsecp256k1 in WebAssembly, shipped in its
 * npm package); keccak-256, one-shot and the running states of the RLPx MACs, on a keccak-f[1600]
 * WebAssembly module of our own (./keccak-f1600-wasm.ts); snappy from snappy-wasm (Rust `snap`
 * in WebAssembly), but blocks of up to 2 KiB compressed by our own encoder
 * (./snappy-compress.ts); AES-CTR, SHA-256, HMAC and randomness from
 * node:crypto (OpenSSL).
 *
 * Loaded only by a dynamic import from ../select.ts when `fast` or `auto` is chosen, so a
 * process on the pure backend never imports an accelerator. The accelerators are optional
 * dependencies, imported here by name at run time (the build does not need them installed);
 * {@link loadFastBackend} names the one that failed to load.
 */
import type { CryptoBackend } from '../backend.js';
import { KeccakF1600 } from './running-keccak.js';
import { makeFastBackend, type FastModules, type SnappyWasm, type TinySecp256k1 } from './backend.js';

/** Raised when an accelerator cannot be loaded; `module` names it. */
export class AcceleratorLoadError extends Error {
  constructor(
    readonly module: string,
    cause: unknown,
  ) {
    super(`${module} could not be loaded: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'AcceleratorLoadError';
  }
}

/** The optional packages, by the names npm installs them under. */
export const ACCELERATORS = ['tiny-secp256k1', 'snappy-wasm'] as const;

async function load<T>(name: string, loader: () => Promise<T>): Promise<T> {
  try {
    return await loader();
  } catch (err) {
    throw new AcceleratorLoadError(name, err);
  }
}

/** Loads every accelerator and builds the backend; rejects with {@link AcceleratorLoadError}. */
export async function loadFastBackend(): Promise<CryptoBackend> {
  const [tinySecpName, snappyName] = ACCELERATORS;
  const nodeCrypto: FastModules['nodeCrypto'] = await load('node:crypto', () => import('node:crypto'));
  const ecc = (await load(tinySecpName, () => import(tinySecpName))) as TinySecp256k1;
  const snappy = await load(snappyName, async () => {
    // snappy-wasm's Node build is CommonJS and instantiates its module synchronously.
    const { createRequire } = await import('node:module');
    return createRequire(import.meta.url)(snappyName) as SnappyWasm;
  });
  const keccakF1600 = await load('keccak-f1600 module', async () => new KeccakF1600());
  return makeFastBackend({ nodeCrypto, keccakF1600, ecc, snappy });
}
