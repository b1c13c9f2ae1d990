import { describe, expect, it } from 'vitest';
import { keccak256 } from '../../src/crypto/keccak.js';
import { activeCrypto, loadCryptoBackend, runOnBackend } from '../../src/crypto/select.js';

const guard = (): string[] => (globalThis as { __devp2pWasmGuard?: string[] }).__devp2pWasmGuard!;

describe('the WebAssembly guard of the test setup', () => {
  it('is installed before src/ is imported, and on the pure backend has seen no module', () => {
    expect(guard()).toBeDefined();
    if (activeCrypto().backend === 'pure') expect(guard()).toEqual([]);
    else expect(guard().length).toBeGreaterThan(0); // our keccak module, tiny-secp256k1, snappy-wasm loaded at import
  });

  it.skipIf(process.env.DEVP2P_CRYPTO === 'pure')('counts a module compiled after import (so an empty count means none was)', async () => {
    const before = guard().length;
    // The smallest valid module: magic number and version.
    const wa = (globalThis as unknown as { WebAssembly: { compile(b: Uint8Array): Promise<unknown> } }).WebAssembly;
    await wa.compile(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0));
    expect(guard().length).toBe(before + 1);
    const fast = await loadCryptoBackend('fast');
    expect(runOnBackend(fast, () => keccak256(new Uint8Array(0))).length).toBe(32);
  });
});
