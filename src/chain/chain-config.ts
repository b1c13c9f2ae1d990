/**
 * What the eth layer needs to know about a chain: network ID, genesis, fork schedule (for the
 * EIP-2124 fork ID) and bootnodes; plus reading that from a geth-style genesis.json so a
 * custom chain gets the same fork ID geth computes for it.
 */
import { DecodeError } from '../common/errors.js';
import { forkId, forkIdFilter, gatherForks, type ForkId, type ForkIdFilter, type ForkSchedule } from './forkid.js';

/** A fork activated at a block number, named as in geth's genesis.json (e.g. `londonBlock`). */
export interface BlockFork {
  name: string;
  block: bigint;
}

/** A fork activated at a timestamp, named as in geth's genesis.json (e.g. `cancunTime`). */
export interface TimeFork {
  name: string;
  time: bigint;
}

/** A chain as the eth protocol sees it. */
export interface EthNetwork {
  name: string;
  /** Network ID sent in Status (geth defaults it to the chain ID). */
  networkId: bigint;
  genesisHash: Uint8Array;
  /** Genesis timestamp: time forks at or before it are part of the genesis ruleset. */
  genesisTime: bigint;
  /** Block-number forks as configured (zeros and duplicates included, as in the config). */
  blockForks: readonly BlockFork[];
  /** Timestamp forks as configured. */
  timeForks: readonly TimeFork[];
  /** enode:// URLs to bootstrap discovery. */
  bootnodes: readonly string[];
  /** EIP-1459 DNS discovery tree, if the network has one. */
  dnsDiscovery?: string;
}

/** The network's forks in fork ID checksum order (deduplicated, genesis forks dropped). */
export function networkForkSchedule(n: EthNetwork): ForkSchedule {
  return gatherForks(
    n.blockForks.map((f) => f.block),
    n.timeForks.map((f) => f.time),
    n.genesisTime,
  );
}

/** The network's fork ID at head block `head` with timestamp `time`. */
export function networkForkId(n: EthNetwork, head: bigint, time: bigint): ForkId {
  return forkId(
    n.genesisHash,
    n.blockForks.map((f) => f.block),
    n.timeForks.map((f) => f.time),
    head,
    time,
    n.genesisTime,
  );
}

/** A validator for remote fork IDs against this network. */
export function networkForkFilter(n: EthNetwork): ForkIdFilter {
  return forkIdFilter(
    n.genesisHash,
    n.blockForks.map((f) => f.block),
    n.timeForks.map((f) => f.time),
    n.genesisTime,
  );
}

const WHAT = 'genesis.json';

/** A uint64 written as a JSON number, a decimal string or a 0x-hex string. */
function parseUint64(v: unknown, field: string): bigint {
  let out: bigint;
  if (typeof v === 'bigint') out = v;
  else if (typeof v === 'number') {
    // JSON numbers above 2^53 have already lost precision; refuse rather than compute a wrong fork ID.
    if (!Number.isSafeInteger(v)) throw new DecodeError(WHAT, field, `not an exact integer: ${v}`);
    out = BigInt(v);
  } else if (typeof v === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v)) out = BigInt(v);
  else throw new DecodeError(WHAT, field, `expected an unsigned integer, got ${JSON.stringify(v)}`);
  if (out < 0n || out >= 1n << 64n) throw new DecodeError(WHAT, field, 'out of uint64 range');
  return out;
}

/** Options for {@link networkFromGenesisJson}. */
export interface GenesisJsonOptions {
  /** Network name (default `custom`). */
  name?: string;
  /** Network ID if it differs from `config.chainId`. */
  networkId?: bigint;
  bootnodes?: readonly string[];
}

/** A genesis.json as an object (text is parsed first). Throws DecodeError naming the field. */
export function genesisJsonObject(json: unknown): Record<string, unknown> {
  let doc: unknown = json;
  if (typeof json === 'string') {
    try {
      doc = JSON.parse(json);
    } catch (err) {
      throw new DecodeError(WHAT, 'json', (err as Error).message);
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new DecodeError(WHAT, 'json', 'expected an object');
  return doc as Record<string, unknown>;
}

/**
 * Builds a network from a geth-style genesis.json (the parsed object, or its text) and the
 * genesis block hash (`genesisBlockFromJson` in genesis.ts computes it from the same file).
 *
 * As geth's `gatherForks` does by reflection, every `config` key ending in `Block` is a
 * block-number fork and every key ending in `Time` a timestamp fork, so forks added after this
 * code (bpo3Time, amsterdamTime, ...) are counted too. Null entries are unset forks.
 */
export function networkFromGenesisJson(json: unknown, genesisHash: Uint8Array, options: GenesisJsonOptions = {}): EthNetwork {
  const doc = genesisJsonObject(json);
  const config = doc['config'];
  if (typeof config !== 'object' || config === null) throw new DecodeError(WHAT, 'config', 'expected an object');
  if (genesisHash.length !== 32) throw new RangeError('genesis hash must be 32 bytes');

  const blockForks: BlockFork[] = [];
  const timeForks: TimeFork[] = [];
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    if (value === null || value === undefined) continue;
    if (key.endsWith('Block')) blockForks.push({ name: key, block: parseUint64(value, `config.${key}`) });
    else if (key.endsWith('Time')) timeForks.push({ name: key, time: parseUint64(value, `config.${key}`) });
  }
  const chainId = (config as Record<string, unknown>)['chainId'];
  const networkId = options.networkId ?? (chainId === undefined ? undefined : parseUint64(chainId, 'config.chainId'));
  if (networkId === undefined) throw new DecodeError(WHAT, 'config.chainId', 'missing (and no networkId given)');
  const ts = doc['timestamp'];
  const genesisTime = ts === undefined || ts === null ? 0n : parseUint64(ts, 'timestamp');

  return {
    name: options.name ?? 'custom',
    networkId,
    genesisHash: genesisHash.slice(),
    genesisTime,
    blockForks,
    timeForks,
    bootnodes: [...(options.bootnodes ?? [])],
  };
}
