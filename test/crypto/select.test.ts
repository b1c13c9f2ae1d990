import { describe, expect, it } from 'vitest';
import { activeCrypto, CryptoSelectionError, describeCrypto, KeccakState, parseCryptoChoice, useCrypto } from '../../src/crypto/index.js';

const project = process.env.DEVP2P_CRYPTO; // each vitest project sets it

describe('crypto backend selection', () => {
  it('runs the backend DEVP2P_CRYPTO names, and says so', () => {
    const a = activeCrypto();
    expect(a.backend).toBe(project);
    expect(a.requested).toBe(project);
    expect(a.source).toBe('env');
    expect(a.reason).toBe(`DEVP2P_CRYPTO=${project}`);
    expect(describeCrypto()).toBe(`crypto: ${project} (DEVP2P_CRYPTO=${project})`);
    expect(a.implementations.snappy).toMatch(project === 'pure' ? /^snappyjs$/ : /^snappy-wasm; compression of blocks up to 2 KiB/);
  });

  it('refuses a choice other than pure, fast or auto', async () => {
    expect(() => parseCryptoChoice('wasm', 'DEVP2P_CRYPTO')).toThrow(/DEVP2P_CRYPTO must be pure, fast or auto, not "wasm"/);
    await expect(useCrypto('turbo' as 'pure')).rejects.toMatchObject({ name: 'CryptoSelectionError', reason: 'invalid' });
    expect(parseCryptoChoice(' Pure ', 'x')).toBe('pure');
  });

  // Switching to fast or auto loads WebAssembly, which the pure project forbids.
  it.skipIf(project === 'pure')('switches before running state exists, and refuses to switch after', async () => {
    expect(await useCrypto('pure')).toMatchObject({ backend: 'pure', requested: 'pure', source: 'useCrypto', reason: "useCrypto('pure')" });
    expect((await useCrypto('auto')).reason).toBe("useCrypto('auto'): every accelerator loaded");
    expect((await useCrypto('fast')).backend).toBe('fast');
    new KeccakState(); // running state on fast: a MAC, as a connection would hold
    const err = await useCrypto('pure').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CryptoSelectionError);
    expect(err).toMatchObject({ reason: 'in-use', message: 'cannot switch crypto from fast to pure: connections already use fast' });
    expect(activeCrypto().backend).toBe('fast');
    expect((await useCrypto('fast')).backend).toBe('fast'); // the same backend stays allowed
  });

  it('returns copies: changing the report changes nothing', () => {
    const a = activeCrypto();
    a.implementations.keccak = 'x';
    a.backend = project === 'pure' ? 'fast' : 'pure';
    expect(activeCrypto().backend).toBe(project);
    expect(activeCrypto().implementations.keccak).not.toBe('x');
  });
});
