/** `devp2p-ts --version`: the package version, the Node version and the crypto backend. */
import { readFileSync } from 'node:fs';

/** The version in package.json (dist/src/cli/ is three levels below the package root). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
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
