/** `devp2p-ts --version`: the package version, the Node version and the crypto backend. */
import { readFileSync } from 'node:fs';

/** How many directories up from this module package.json may be (dist/src/cli/ is three). */
const MAX_PACKAGE_DEPTH = 4;

/** The version in this package's package.json (found by walking up from this module). */
export function packageVersion(): string {
  for (let depth = 1, dir = new URL('./', import.meta.url); depth <= MAX_PACKAGE_DEPTH; depth++) {
    dir = new URL('../', dir);
    let pkg: { name?: unknown; version?: unknown };
    try {
      pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as typeof pkg;
    } catch {
      continue;
    }
    if (pkg.name === 'devp2p-ts' && typeof pkg.version === 'string') return pkg.version;
  }
  return 'unknown';
}

/**
 * The text --version prints. The crypto line is the backend actually chosen (src/crypto selects
 * at import, after main.ts has put --crypto into DEVP2P_CRYPTO), with the reason: for `auto`,
 * which accelerator was missing if it fell back to pure.
 */
export async function versionText(): Promise<string> {
  const { describeCrypto } = await import('../crypto/select.js');
  return [`devp2p-ts ${packageVersion()}`, `node ${process.version}`, describeCrypto()].join('\n') + '\n';
}
