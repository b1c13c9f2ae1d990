/** Options several commands share: the network, the node key, addresses, peer lists. */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { bytesToHex, equalBytes, hexToBytes } from '../common/bytes.js';
import type { Block } from '../chain/block.js';
import { genesisBlockFromJson, GenesisError } from '../chain/genesis.js';
import { generateDevnetChain } from '../chain/devnet-chain.js';
import { networkFromGenesisJson } from '../chain/chain-config.js';
import type { EthNetwork } from '../chain/chain-config.js';
import { findNetwork } from '../chain/networks.js';
import { ETH_VERSIONS, type EthVersion } from '../eth/protocol.js';
import { parseEnode, type Enode } from '../enode/enode-url.js';
import { generateNodeKey, loadNodeKey } from '../enode/key.js';
import { enrFromText, type Enr } from '../enode/enr.js';
import { DecodeError } from '../common/errors.js';
import { createLogger, parseVerbosity, type Logger } from '../common/log.js';
import { defineFlags } from './command.js';
import { UsageError } from './output.js';

/** An enode URL for help examples (the EIP-8 test vectors' key A at 127.0.0.1:30303). */
export const EXAMPLE_ENODE = 'enode://a979fb575495b8d6db44f750317d0f4622bf4c2aa3365d6af7c284339968eef29b69ad0dce72a4d8db5ebb4968de0e3bec910127f134779fbcb0cb6d3331163c@127.0.0.1:30303';

/** The devnet that `serve --devnet` and `demo` run: its genesis does not depend on its length. */
export const DEVNET_SEED = 'devp2p-ts devnet';

/**
 * Resolves --network NAME (mainnet, sepolia, holesky, hoodi, devnet) or --genesis FILE (a geth
 * genesis.json: its `config` gives the forks) with an optional --genesis-hash HASH.
 */
export async function resolveNetwork(v: NetworkOptionValues): Promise<EthNetwork> {
  return (await resolveNetworkAndGenesis(v)).network;
}

/** Values of the {@link NETWORK_FLAGS}. */
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
  return list.map((s) => parseEnodeArg(s, name));
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

/** The flags of {@link resolveNetwork}, for the commands that join a network. */
export const NETWORK_FLAGS = defineFlags({
  network: { type: 'string', value: 'NAME', help: 'network: mainnet, sepolia, holesky, hoodi or devnet', defaultText: 'mainnet' },
  genesis: { type: 'string', value: 'FILE', help: "a geth genesis.json instead of --network (its config gives the forks)" },
  'genesis-hash': { type: 'string', value: 'HASH', help: 'the genesis block hash (checked against --genesis; needed when it cannot be computed)' },
});

/** --nodekey: a geth nodekey file (the private key). */
export const NODEKEY_FLAG = defineFlags({
  nodekey: { type: 'string', value: 'FILE', help: 'node key file (64 hex characters, as geth writes it)', defaultText: 'a fresh key' },
});

/** --verbosity and --log-json, for the commands that log. */
export function logFlags<const D extends string>(dflt: D) {
  return defineFlags({
    verbosity: { type: 'string', value: '0-5', help: 'log level: 0 silent, 1 error, 2 warn, 3 info, 4 debug, 5 trace (or the name)', default: dflt },
    'log-json': { type: 'boolean', help: 'log one JSON object per line' },
  });
}

/** The logger of a command's --verbosity and --log-json (on stderr unless `write` is given). */
export function commandLogger(values: { verbosity: string; 'log-json': boolean }, component: string, write?: (line: string) => void): Logger {
  const level = parseVerbosity(values.verbosity);
  if (level === undefined) throw new UsageError(`--verbosity takes 0-5 (0 silent, 1 error, 2 warn, 3 info, 4 debug, 5 trace) or a level name, got "${values.verbosity}"`);
  return createLogger({ level, format: values['log-json'] ? 'json' : 'text', component, ...(write ? { write } : {}) });
}

/** An enode URL given on the command line (`flag` names it in errors; else it is an argument). */
export function parseEnodeArg(text: string, flag?: string): Enode {
  try {
    return parseEnode(text);
  } catch (err) {
    throw new UsageError(`${flag ? `--${flag}: ` : ''}${(err as Error).message}`);
  }
}

/** Inputs longer than this are shortened in error messages, to keep them on one line. */
const MAX_ECHOED_INPUT = 40;

/** `text` as an error message quotes it: whole, or its start. */
export function echoInput(text: string): string {
  return JSON.stringify(text.length > MAX_ECHOED_INPUT ? `${text.slice(0, MAX_ECHOED_INPUT)}...` : text);
}

/**
 * An ENR given on the command line. Its errors name the input and the cause in words: the
 * reader's "ENR: list: truncated RLP length" becomes "the record is not valid RLP (truncated RLP length)".
 */
export function parseEnrArg(text: string, flag?: string): Enr {
  try {
    return enrFromText(text);
  } catch (err) {
    throw new UsageError(`${flag ? `--${flag}: ` : ''}invalid ENR ${echoInput(text)}: ${enrErrorCause(err)}`);
  }
}

/** Why an ENR did not decode, without the decoder's internals. */
function enrErrorCause(err: unknown): string {
  if (!(err instanceof DecodeError)) return (err as Error).message;
  // The record's outer list did not decode: say so in words, with the reader's detail.
  if (err.field === 'list') return `the record is not valid RLP (${err.detail})`;
  const prefix = `${err.what}: `;
  return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
}

/** --eth: a comma-separated list of eth versions we speak (duplicates dropped). */
export function parseEthVersions(v: string, flag = 'eth'): EthVersion[] {
  const out: EthVersion[] = [];
  for (const s of v.split(',').map((x) => x.trim())) {
    const n = Number(s);
    if (!/^\d+$/.test(s) || !(ETH_VERSIONS as readonly number[]).includes(n)) throw new UsageError(`--${flag} takes versions from ${ETH_VERSIONS.join(',')}, got "${v}"`);
    if (!out.includes(n as EthVersion)) out.push(n as EthVersion);
  }
  return out;
}
