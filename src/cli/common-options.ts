/** Options several commands share: the network, the node key, addresses, peer lists. */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { bytesToHex, equalBytes, hexToBytes } from '../common/bytes.js';
import type { Block } from '../eth/block.js';
import { genesisBlockFromJson, GenesisError } from '../eth/genesis.js';
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
 * Resolves --network NAME (mainnet, sepolia, holesky, hoodi, devnet) or --genesis FILE (a geth
 * genesis.json: its `config` gives the forks) with an optional --genesis-hash HASH.
 */
export async function resolveNetwork(v: NetworkOptionValues): Promise<EthNetwork> {
  return (await resolveNetworkAndGenesis(v)).network;
}

/** Values of the {@link NETWORK_OPTIONS} flags. */
export interface NetworkOptionValues {
  network?: string | undefined;
  genesis?: string | undefined;
  'genesis-hash'?: string | undefined;
}

/**
 * Like {@link resolveNetwork}, also returning the genesis block when it is known: computed
 * from --genesis (its hash then need not be given; if given it must match), or the devnet's.
 * A genesis whose block cannot be computed (see {@link GenesisError}) needs --genesis-hash and
 * comes back without a block.
 */
export async function resolveNetworkAndGenesis(v: NetworkOptionValues): Promise<{ network: EthNetwork; genesis?: Block }> {
  if (v.genesis) {
    let given: Uint8Array | undefined;
    if (v['genesis-hash']) {
      try {
        given = hexToBytes(v['genesis-hash']);
      } catch {
        throw new UsageError('--genesis-hash must be 32 bytes of hex');
      }
      if (given.length !== 32) throw new UsageError('--genesis-hash must be 32 bytes of hex');
    }
    const json = await readFile(v.genesis, 'utf8');
    let genesis: Block | undefined;
    try {
      genesis = genesisBlockFromJson(json);
    } catch (err) {
      if (!(err instanceof GenesisError)) throw err;
      if (given === undefined) throw new UsageError(`cannot compute the genesis block of ${v.genesis} (${err.message}): give --genesis-hash`);
    }
    if (genesis !== undefined && given !== undefined && !equalBytes(given, genesis.header.hash)) {
      throw new UsageError(`--genesis-hash 0x${bytesToHex(given)} does not match the genesis block of ${v.genesis} (0x${bytesToHex(genesis.header.hash)})`);
    }
    const network = networkFromGenesisJson(json, genesis?.header.hash ?? given!);
    return genesis === undefined ? { network } : { network, genesis };
  }
  const name = v.network ?? 'mainnet';
  if (name === 'devnet') {
    const dev = generateDevnetChain({ length: 0, seed: DEVNET_SEED });
    const g = dev.blocks[0]!;
    return { network: dev.network, genesis: { header: g.header, ...g.body } };
  }
  const n = findNetwork(name);
  if (!n) throw new UsageError(`unknown network "${name}" (mainnet, sepolia, holesky, hoodi, devnet, or --genesis)`);
  return { network: n };
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
