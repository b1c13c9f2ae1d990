/**
 * The layer picture of docs/architecture.md, checked against the imports in src/: each folder
 * imports only the layers listed for it, so no import runs upward.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** What each layer may import (besides itself), as docs/architecture.md draws it. */
const ALLOWED: Record<string, readonly string[]> = {
  common: [],
  crypto: [],
  enode: ['common', 'crypto'],
  discv4: ['common', 'crypto', 'enode'],
  dnsdisc: ['common', 'crypto', 'enode'],
  discv5: ['common', 'crypto', 'enode', 'discv4'],
  rlpx: ['common', 'crypto'],
  chain: ['common', 'crypto'],
  eth: ['common', 'rlpx', 'chain'],
  snap: ['common', 'crypto', 'rlpx'],
  server: ['common', 'crypto', 'enode', 'rlpx'],
  'sync/headers': ['common', 'crypto', 'chain', 'eth'],
  'sync/crawl': ['common', 'crypto', 'enode', 'discv4', 'rlpx', 'chain', 'eth'],
  'sync/node': ['common', 'enode', 'discv4', 'discv5', 'dnsdisc', 'rlpx', 'chain', 'eth', 'snap', 'server', 'sync/headers'],
  report: ['common', 'chain', 'sync/crawl', 'sync/node'],
  conformance: ['common', 'crypto', 'enode', 'discv4', 'rlpx', 'chain', 'eth'],
};

function layerOf(file: string): string {
  const parts = relative(SRC, file).split(/[\\/]/);
  return parts[0] === 'sync' && parts.length > 2 ? `sync/${parts[1]}` : parts[0]!.replace(/\.ts$/, '');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('layering', () => {
  it('every folder of src/ imports only the layers beneath it', () => {
    const edges = new Set<string>();
    const upward: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const from = layerOf(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.\.?\/[^']+)'/g)) {
        const to = layerOf(normalize(join(dirname(file), m[1]!)));
        if (to === from) continue;
        edges.add(`${from} -> ${to}`);
        const allowed = ALLOWED[from];
        if (allowed !== undefined && !allowed.includes(to)) upward.push(`${relative(SRC, file)}: ${m[1]}`);
      }
    }
    expect(upward).toEqual([]);
    // The check sees real imports (a broken scan would pass vacuously).
    expect(edges).toContain('eth -> chain');
    expect(edges).toContain('server -> rlpx');
  });
});
