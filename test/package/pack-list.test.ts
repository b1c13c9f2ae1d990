import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const npmMissing = spawnSync('npm', ['--version'], { encoding: 'utf8' }).status !== 0;

interface PackEntry {
  path: string;
}

describe.skipIf(npmMissing)('npm pack --dry-run (skipped only when npm is not installed)', () => {
  it('ships the built entries, the sources their maps point at, docs, README and LICENSE, and nothing of test or bench', { timeout: 120_000 }, () => {
    // Scripts are skipped: `npm test` built dist already; prune-dist (prepack) drops stale files.
    execFileSync(process.execPath, ['scripts/prune-dist.mjs'], { cwd: ROOT });
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const files = new Set((JSON.parse(out) as { files: PackEntry[] }[])[0]!.files.map((f) => f.path));

    for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js']) expect(files, f).toContain(f);
    for (const doc of readdirSync(`${ROOT}docs`).filter((n) => n.endsWith('.md'))) expect(files, doc).toContain(`docs/${doc}`);

    // Every export target, types included, is in the tarball.
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { exports: Record<string, string | { types: string; default: string }> };
    for (const [sub, target] of Object.entries(pkg.exports)) {
      const targets = typeof target === 'string' ? [target] : [target.types, target.default];
      for (const t of targets) expect(files, `${sub} -> ${t}`).toContain(t.replace(/^\.\//, ''));
    }

    // Every source a shipped map names is shipped too.
    const maps = [...files].filter((f) => f.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(100);
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(`${ROOT}${map}`, 'utf8')) as { sources: string[] };
      for (const s of sources) {
        const resolved = new URL(s, `file:///${map}`).pathname.slice(1);
        expect(files, `${map} -> ${s}`).toContain(resolved);
      }
    }

    // Nothing else: no tests, benches, their builds, or stray top-level files.
    for (const f of files) expect(f, f).toMatch(/^(dist\/src\/|src\/|docs\/|README\.md$|LICENSE$|package\.json$)/);
    // No built file without its source (a moved module's leftovers).
    for (const f of files) if (f.startsWith('dist/src/') && f.endsWith('.js')) expect(files, f).toContain(f.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
  });
});
