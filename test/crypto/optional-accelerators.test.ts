/**
 * The accelerators are optional dependencies: with them impossible to load (as after
 * `npm install --omit=optional`), the built library still runs an RLPx session on the pure
 * backend, `auto` falls back to pure saying why, and `fast` fails with a clear error. With
 * node:crypto blocked too, the pure backend still works: it never imports it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BLOCK = fileURLToPath(new URL('./support/block-accelerators.mjs', import.meta.url));
const SESSION = fileURLToPath(new URL('./support/loopback-session.mjs', import.meta.url));

function run(env: Record<string, string>): { status: number | null; out: Record<string, unknown> | undefined; stderr: string } {
  const base = { ...process.env };
  delete base.DEVP2P_CRYPTO;
  delete base.NODE_DEBUG;
  const r = spawnSync(process.execPath, ['--import', BLOCK, SESSION], { env: { ...base, ...env }, encoding: 'utf8', timeout: 60_000 });
  const line = r.stdout.trim().split('\n').pop();
  return { status: r.status, out: line ? (JSON.parse(line) as Record<string, unknown>) : undefined, stderr: r.stderr };
}

const echo = { code: 2, text: 'pure pure ', length: 500 };

// Backend-independent (each child chooses its own): run once, in the fast project.
describe.skipIf(process.env.DEVP2P_CRYPTO === 'pure')('without the optional accelerators', () => {
  it('pure runs a session with node:crypto blocked as well', () => {
    const r = run({ DEVP2P_CRYPTO: 'pure', BLOCK_NODE_CRYPTO: '1' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.out).toEqual({ backend: 'pure', line: 'crypto: pure (DEVP2P_CRYPTO=pure)', ...echo });
  });

  it('auto falls back to pure, with one debug line naming the missing package', () => {
    const r = run({ NODE_DEBUG: 'devp2p-crypto' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.out).toMatchObject({ backend: 'pure', ...echo });
    expect(r.out!.line).toMatch(/^crypto: pure \(auto \(default\): tiny-secp256k1 could not be loaded: .*; using pure\)$/);
    const debugLines = r.stderr.split('\n').filter((l) => l.includes('DEVP2P-CRYPTO'));
    expect(debugLines).toHaveLength(1);
    expect(debugLines[0]).toMatch(/auto: using the pure backend because tiny-secp256k1 could not be loaded/);
  });

  it('the accelerators are optional dependencies, and the tree without them is complete (npm ls --omit=optional)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as Record<string, Record<string, string>>;
    expect(Object.keys(pkg.optionalDependencies!).sort()).toEqual(['snappy-wasm', 'tiny-secp256k1']);
    for (const named of ['@ethereumjs/rlp', '@ethereumjs/util', '@noble/ciphers', '@noble/hashes', '@noble/secp256k1', 'snappyjs']) expect(pkg.dependencies![named], named).toBeDefined();
    const ls = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ls', '--omit=optional', '--json'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8', timeout: 60_000 });
    expect(ls.status, ls.stdout.slice(0, 2000)).toBe(0);
    expect(JSON.parse(ls.stdout).problems).toBeUndefined();
  });

  it('fast fails at import with CryptoSelectionError naming the package', () => {
    const r = run({ DEVP2P_CRYPTO: 'fast' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/CryptoSelectionError: fast crypto requested \(DEVP2P_CRYPTO=fast\) but tiny-secp256k1 could not be loaded/);
  });
});
