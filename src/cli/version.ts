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
 * The crypto backend line of --version. Today: the selection main.ts read from --crypto or
 * DEVP2P_CRYPTO (`auto` when neither is given). Hook for the crypto backends: once src/crypto
 * can name the backend it chose, return that name here.
 */
export function cryptoBackendName(): string {
  return process.env['DEVP2P_CRYPTO'] || 'auto';
}

/** The text --version prints. */
export function versionText(): string {
  return [`devp2p-ts ${packageVersion()}`, `node ${process.version}`, `crypto ${cryptoBackendName()}`].join('\n') + '\n';
}
