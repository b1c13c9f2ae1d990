// Removes built files under dist/src whose source file is gone (a moved or deleted module), so
// `npm pack` ships only what `src/` builds. Run as `prepack`; touches nothing that has a source.
import { readdirSync, rmSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist', 'src');
const BUILT = /\.(d\.ts\.map|d\.ts|js\.map|js)$/;

function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      walk(path);
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
    } else if (BUILT.test(entry.name)) {
      const source = join(root, 'src', relative(dist, path).replace(BUILT, '.ts'));
      if (!existsSync(source)) rmSync(path);
    }
  }
}

if (existsSync(dist)) walk(dist);
