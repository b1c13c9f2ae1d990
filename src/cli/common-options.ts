/** Options several commands share: the network, the node key, addresses, peer lists. */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hexToBytes } from '../common/bytes.js';
import { generateDevnetChain } from '../eth/devnet-chain.js';
import { networkFromGenesisJson } from '../eth/chain-config.js';
import type { EthNetwork } from '../eth/chain-config.js';
import { findNetwork } from '../eth/networks.js';
import { parseEnode, type Enode } from '../enode/enode-url.js';
import { generateNodeKey, loadNodeKey } from '../enode/key.js';
import { UsageError } from './output.js';

/** The devnet that `serve --devnet` and `demo` run: its genesis does not depend on its length. */
export const DEVNET_SEED = 'devp2p-ts devnet';

/**
 * Resolves --network NAME (mainnet, sepolia, holesky, hoodi, devnet) or --genesis FILE with
 * --genesis-hash HASH (a geth genesis.json: its `config` gives the forks).
 */
export async function resolveNetwork(v: { network?: string | undefined; genesis?: string | undefined; 'genesis-hash'?: string | undefined }): Promise<EthNetwork> {
  if (v.genesis) {
    if (!v['genesis-hash']) throw new UsageError('--genesis needs --genesis-hash (the hash of the genesis block)');
    let hash: Uint8Array;
    try {
      hash = hexToBytes(v['genesis-hash']);
    } catch {
      throw new UsageError('--genesis-hash must be 32 bytes of hex');
    }
    if (hash.length !== 32) throw new UsageError('--genesis-hash must be 32 bytes of hex');
    return networkFromGenesisJson(await readFile(v.genesis, 'utf8'), hash);
  }
  const name = v.network ?? 'mainnet';
  if (name === 'devnet') return generateDevnetChain({ length: 0, seed: DEVNET_SEED }).network;
  const n = findNetwork(name);
  if (!n) throw new UsageError(`unknown network "${name}" (mainnet, sepolia, holesky, hoodi, devnet, or --genesis)`);
  return n;
}

export async function resolveNodeKey(path: string | undefined): Promise<Uint8Array> {
  return path ? loadNodeKey(path) : generateNodeKey();
}

/** Parses HOST:PORT ([v6]:port accepted). */
export function parseAddr(name: string, v: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(v) ?? /^([^:]+):(\d+)$/.exec(v);
  if (!m || !isIP(m[1]!) || Number(m[2]) > 65535) throw new UsageError(`--${name} must be IP:PORT, got "${v}"`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** Parses a comma-separated (or repeated) list of enode URLs. */
export function parseEnodeList(name: string, values: readonly string[] | string | undefined): Enode[] {
  const list = (Array.isArray(values) ? values : values ? [values] : []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  return list.map((s) => {
    try {
      return parseEnode(s);
    } catch (err) {
      throw new UsageError(`--${name}: ${(err as Error).message}`);
    }
  });
}

/** Resolves when SIGINT or SIGTERM arrives (or the signal aborts); removes its handlers. */
export function untilStopped(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (signal?.aborted) done();
    else signal?.addEventListener('abort', done, { once: true });
  });
}

/** parseArgs options of {@link resolveNetwork}, for the commands that join a network. */
export const NETWORK_OPTIONS = {
  network: { type: 'string' },
  genesis: { type: 'string' },
  'genesis-hash': { type: 'string' },
} as const;
