/**
 * Nothing outside src/crypto imports a crypto or compression package, and inside it the
 * accelerators (and node:crypto) are reached only from src/crypto/fast/, which nothing imports
 * statically: select.ts loads it with a dynamic import when fast or auto is chosen.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const CRYPTO_PACKAGES = /^(node:crypto|crypto|hash-wasm|tiny-secp256k1|snappy-wasm|snappyjs|@noble\/.*|ethereum-cryptography(\/.*)?)$/;
const ACCELERATORS = /^(node:crypto|crypto|hash-wasm|tiny-secp256k1|snappy-wasm)$/;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : []);
}

/** Module specifiers of value imports (static and dynamic), `import type` left out. */
function imports(file: string): { spec: string; dynamic: boolean }[] {
  const text = readFileSync(file, 'utf8');
  const out: { spec: string; dynamic: boolean }[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?\bfrom\s+'([^']+)'/gm)) if (!m[2]) out.push({ spec: m[3]!, dynamic: false });
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) out.push({ spec: m[1]!, dynamic: false });
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) out.push({ spec: m[1]!, dynamic: true });
  for (const m of text.matchAll(/\brequire\(\s*'([^']+)'\s*\)/g)) out.push({ spec: m[1]!, dynamic: true });
  return out;
}

const all = files(SRC).map((f) => ({ file: relative(SRC, f), imports: imports(f) }));

describe('crypto imports', () => {
  it('finds the modules it scans (the scan is not empty)', () => {
    expect(all.length).toBeGreaterThan(100);
    expect(all.find((f) => f.file === 'crypto/pure/keccak.ts')!.imports).toContainEqual({ spec: '@noble/hashes/sha3.js', dynamic: false });
    expect(all.find((f) => f.file === 'crypto/select.ts')!.imports).toContainEqual({ spec: './fast/index.js', dynamic: true });
  });

  it('outside src/crypto, no module imports a crypto or compression package', () => {
    const offenders = all.filter((f) => !f.file.startsWith('crypto/')).flatMap((f) => f.imports.filter((i) => CRYPTO_PACKAGES.test(i.spec)).map((i) => `${f.file}: ${i.spec}`));
    expect(offenders).toEqual([]);
    // createRequire may find non-crypto packages (the report page inlines chart.js), but a module
    // using it must not name a crypto package in any string: that would be a hidden import.
    const hidden = all.filter((f) => !f.file.startsWith('crypto/')).flatMap((f) => {
      const text = readFileSync(join(SRC, f.file), 'utf8');
      if (!/createRequire/.test(text)) return [];
      return [...text.matchAll(/'([^']+)'/g)].filter((m) => CRYPTO_PACKAGES.test(m[1]!)).map((m) => `${f.file}: ${m[1]}`);
    });
    expect(hidden).toEqual([]);
    expect(all.some((f) => f.file === 'sync/node/web-page.ts' && /createRequire/.test(readFileSync(join(SRC, f.file), 'utf8')))).toBe(true);
  });

  it('accelerators and node:crypto appear only in src/crypto/fast/', () => {
    const offenders = all.filter((f) => !f.file.startsWith('crypto/fast/')).flatMap((f) => f.imports.filter((i) => ACCELERATORS.test(i.spec)).map((i) => `${f.file}: ${i.spec}`));
    expect(offenders).toEqual([]);
  });

  it('src/crypto/fast/ is reached only by the dynamic import in select.ts', () => {
    const edges = all.flatMap((f) => f.imports.filter((i) => /(^|\/)fast\//.test(i.spec) && !f.file.startsWith('crypto/fast/')).map((i) => ({ file: f.file, ...i })));
    expect(edges).toEqual([{ file: 'crypto/select.ts', spec: './fast/index.js', dynamic: true }]);
  });

  it('every package the project is specified on is imported at run time by src/ (not only by tests)', () => {
    const used = new Set(all.flatMap((f) => f.imports.map((i) => i.spec.split('/').slice(0, i.spec.startsWith('@') ? 2 : 1).join('/'))));
    for (const named of ['@ethereumjs/rlp', '@ethereumjs/util', '@noble/ciphers', '@noble/hashes', '@noble/secp256k1', 'snappyjs']) expect(used.has(named), named).toBe(true);
  });
});
