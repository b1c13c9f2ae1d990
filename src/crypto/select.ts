/**
 * Which crypto backend the process runs, and why.
 *
 * The choice is made when this module is first imported (before any other module of the
 * library can hash or sign): `DEVP2P_CRYPTO=pure|fast|auto` in the environment, default
 * `auto`. `auto` loads the fast backend with a dynamic import and falls back to pure if any
 * accelerator fails to load, with one debug line saying which (shown with
 * `NODE_DEBUG=devp2p-crypto`). With `pure`, no accelerator module is imported at all, so no
 * WebAssembly is compiled and node:crypto is not loaded by the library.
 *
 * An embedder or the CLI may change the choice with {@link useCrypto} before the first
 * connection; {@link activeCrypto} reports the result.
 */
import { debuglog } from 'node:util';
import type { CryptoBackend, CryptoBackendName, CryptoChoice, CryptoImplementations } from './backend.js';
import { CryptoSelectionError } from './errors.js';
import { pureBackend } from './pure/index.js';

export type { CryptoBackendName, CryptoChoice, CryptoImplementations } from './backend.js';

/** The environment variable read at import. */
export const CRYPTO_ENV = 'DEVP2P_CRYPTO';

/** The backend in use and how it was chosen. */
export interface ActiveCrypto {
  /** The backend running every primitive. */
  backend: CryptoBackendName;
  /** What was asked for. */
  requested: CryptoChoice;
  /** Where the request came from. */
  source: 'default' | 'env' | 'useCrypto';
  /** One line saying why this backend runs (for `--version`, `--help` and logs). */
  reason: string;
  /** The library behind each primitive. */
  implementations: CryptoImplementations;
}

const debug = debuglog('devp2p-crypto');
const CHOICES: readonly CryptoChoice[] = ['pure', 'fast', 'auto'];

/** Parses a choice; throws {@link CryptoSelectionError} `invalid` for anything else. */
export function parseCryptoChoice(value: string, from: string): CryptoChoice {
  const v = value.trim().toLowerCase();
  if ((CHOICES as readonly string[]).includes(v)) return v as CryptoChoice;
  throw new CryptoSelectionError('invalid', `${from} must be pure, fast or auto, not ${JSON.stringify(value)}`);
}

let fastBackend: CryptoBackend | undefined;
let fastFailure: string | undefined;

/** Loads the fast backend once; afterwards returns it or the remembered reason it failed. */
async function loadFast(): Promise<CryptoBackend | string> {
  if (fastBackend) return fastBackend;
  if (fastFailure !== undefined) return fastFailure;
  try {
    const { loadFastBackend } = await import('./fast/index.js');
    fastBackend = await loadFastBackend();
    return fastBackend;
  } catch (err) {
    fastFailure = err instanceof Error ? err.message : String(err);
    return fastFailure;
  }
}

async function resolve(requested: CryptoChoice, source: ActiveCrypto['source'], origin: string): Promise<{ backend: CryptoBackend; info: ActiveCrypto }> {
  const make = (backend: CryptoBackend, reason: string) => ({
    backend,
    info: { backend: backend.name, requested, source, reason, implementations: backend.implementations },
  });
  if (requested === 'pure') return make(pureBackend, origin);
  const fast = await loadFast();
  if (requested === 'fast') {
    if (typeof fast === 'string') throw new CryptoSelectionError('unavailable', `fast crypto requested (${origin}) but ${fast}`);
    return make(fast, origin);
  }
  if (typeof fast === 'string') {
    debug('auto: using the pure backend because %s', fast);
    return make(pureBackend, `${origin}: ${fast}; using pure`);
  }
  debug('auto: every accelerator loaded; using the fast backend');
  return make(fast, `${origin}: every accelerator loaded`);
}

const envValue = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[CRYPTO_ENV];
const initial = envValue !== undefined && envValue !== ''
  ? await resolve(parseCryptoChoice(envValue, CRYPTO_ENV), 'env', `${CRYPTO_ENV}=${envValue}`)
  : await resolve('auto', 'default', 'auto (default)');

let current: CryptoBackend = initial.backend;
let info: ActiveCrypto = initial.info;
/** Set once an object holding running state (a MAC, a cipher stream) exists on `current`. */
let claimed = false;

/** The active backend, for stateless calls. */
export function backend(): CryptoBackend {
  return current;
}

/**
 * The active backend, for an object that keeps running state in it (a keccak state, an AES
 * stream): after this, {@link useCrypto} may no longer switch backends.
 */
export function claimBackend(): CryptoBackend {
  claimed = true;
  return current;
}

/**
 * Selects the crypto backend for this process: `pure` (TypeScript only), `fast` (WebAssembly
 * and node:crypto) or `auto` (fast when every accelerator loads, else pure). Call it before
 * the first connection: once a connection's MAC or cipher state exists, switching to another
 * backend throws {@link CryptoSelectionError} `in-use` (both backends give identical bytes,
 * but one process should measure and report one backend). Asking for `fast` when an
 * accelerator is missing throws {@link CryptoSelectionError} `unavailable`.
 *
 * The environment variable `DEVP2P_CRYPTO` makes the same choice at import, and is the way
 * to keep the accelerators from being loaded at all: by the time `useCrypto('pure')` runs,
 * `auto` has already loaded them (unused from then on).
 *
 * @returns the backend now active, as {@link activeCrypto} reports it.
 */
export async function useCrypto(choice: CryptoChoice): Promise<ActiveCrypto> {
  const requested = parseCryptoChoice(choice, 'useCrypto()');
  const next = await resolve(requested, 'useCrypto', `useCrypto('${requested}')`);
  if (claimed && next.backend !== current) {
    throw new CryptoSelectionError('in-use', `cannot switch crypto from ${current.name} to ${next.backend.name}: connections already use ${current.name}`);
  }
  current = next.backend;
  info = next.info;
  return activeCrypto();
}

/** The backend in use, what was asked for, and why (a copy; for `--version`, `--help` and logs). */
export function activeCrypto(): ActiveCrypto {
  return { ...info, implementations: { ...info.implementations } };
}

/** One line for `--version`: e.g. `crypto: fast (auto (default): every accelerator loaded)`. */
export function describeCrypto(): string {
  return `crypto: ${info.backend} (${info.reason})`;
}

/**
 * Loads a backend by name without selecting it (fast: by dynamic import; throws
 * {@link CryptoSelectionError} `unavailable` if an accelerator is missing). Internal: for tests
 * and benchmarks that compare the two backends in one process, with {@link runOnBackend}.
 */
export async function loadCryptoBackend(name: CryptoBackendName): Promise<CryptoBackend> {
  if (name === 'pure') return pureBackend;
  const fast = await loadFast();
  if (typeof fast === 'string') throw new CryptoSelectionError('unavailable', fast);
  return fast;
}

/**
 * Runs `fn` synchronously with `b` as the active backend, then restores the previous one.
 * Objects created inside (keccak states, AES streams, frame codecs) keep `b`. Internal: for
 * tests and benchmarks; a program chooses its backend with {@link useCrypto}.
 */
export function runOnBackend<T>(b: CryptoBackend, fn: () => T): T {
  const previous = current;
  current = b;
  try {
    return fn();
  } finally {
    current = previous;
  }
}
