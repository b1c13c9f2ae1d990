/**
 * The flags main.ts reads before any command module is loaded: `--crypto` must be known before
 * the first cryptographic operation picks a backend. This module imports no library code.
 */
import { UsageError } from './output.js';

/** The values of --crypto (src/crypto reads DEVP2P_CRYPTO at first use). */
export const CRYPTO_BACKENDS = ['pure', 'fast', 'auto'] as const;
export type CryptoBackendChoice = (typeof CRYPTO_BACKENDS)[number];

/** The environment variable the crypto backends read. */
export const CRYPTO_ENV = 'DEVP2P_CRYPTO';

export interface GlobalFlags {
  /** The arguments without the global flags. */
  args: string[];
  /** --crypto, when given. */
  crypto?: CryptoBackendChoice;
  /** --json was given to the command: errors are reported as JSON. */
  json: boolean;
}

/** Takes --crypto (anywhere before `--`) out of `argv` and notes --json. Throws UsageError. */
export function takeGlobalFlags(argv: readonly string[]): GlobalFlags {
  const args: string[] = [];
  let crypto: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (a === '--json') json = true;
    if (a === '--crypto') {
      crypto = argv[++i];
      if (crypto === undefined || crypto.startsWith('-')) throw new UsageError(`--crypto needs a value (${CRYPTO_BACKENDS.join('|')})`);
    } else if (a.startsWith('--crypto=')) crypto = a.slice('--crypto='.length);
    else args.push(a);
  }
  if (crypto !== undefined && !(CRYPTO_BACKENDS as readonly string[]).includes(crypto)) {
    throw new UsageError(`--crypto takes ${CRYPTO_BACKENDS.join(', ')}, got "${crypto}"`);
  }
  return { args, json, ...(crypto !== undefined ? { crypto: crypto as CryptoBackendChoice } : {}) };
}
