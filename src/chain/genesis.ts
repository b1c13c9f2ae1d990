/**
 * The genesis block of a geth-style genesis.json, computed as geth's `Genesis.ToBlock()` does:
 * the state root from `alloc` (a secure Merkle-Patricia trie of accounts, each with its own
 * storage trie), then the header fields from the json with geth's defaults and the fields
 * each fork active at genesis adds (London base fee, Shanghai withdrawals root, Cancun blob
 * gas and beacon root, Prague requests hash, Amsterdam access-list hash and slot number).
 *
 * Not covered: verkle/binary-trie genesis (`enableVerkleAtGenesis`), and forks this code does
 * not know that are active at genesis (they may add header fields); both raise
 * {@link GenesisError} `unsupported` rather than return a wrong hash.
 */
import { bytesToHex, hexToBytes } from '../common/bytes.js';
import { DecodeError } from '../common/errors.js';
import { keccak256 } from '../crypto/keccak.js';
import type { Block } from './block.js';
import { genesisJsonObject } from './chain-config.js';
import { EMPTY_REQUESTS_HASH, EMPTY_UNCLE_HASH, INITIAL_BASE_FEE } from './constants.js';
import { makeHeader, type HeaderFields } from './header.js';
import { encBytes, encList, encUint } from '../common/rlp-encode.js';
import { EMPTY_TRIE_ROOT, trieRoot } from './trie.js';

const WHAT = 'genesis.json';

/** geth `params.GenesisGasLimit`: the gas limit when the json gives 0 or none. */
export const GENESIS_GAS_LIMIT = 4_712_388n;
/** geth `params.GenesisDifficulty`: the difficulty of an ethash genesis without one. */
export const GENESIS_DIFFICULTY = 131_072n;
/** keccak256 of the empty code. */
export const EMPTY_CODE_HASH = keccak256(new Uint8Array(0));
/** EIP-7928 hash of an empty block access list: keccak256(rlp([])). */
export const EMPTY_BLOCK_ACCESS_LIST_HASH = EMPTY_UNCLE_HASH;

/**
 * Timestamp forks whose header changes (if any) are implemented here. A fork not in this list
 * that is active at genesis makes the genesis hash uncomputable.
 */
export const KNOWN_GENESIS_TIME_FORKS: readonly string[] = [
  'shanghaiTime', 'cancunTime', 'pragueTime', 'osakaTime',
  'bpo1Time', 'bpo2Time', 'bpo3Time', 'bpo4Time', 'bpo5Time', 'amsterdamTime',
];

/** Why a genesis could not be turned into a block. */
export class GenesisError extends Error {
  constructor(
    readonly reason: 'unsupported',
    message: string,
  ) {
    super(`genesis: ${reason}: ${message}`);
    this.name = 'GenesisError';
  }
}

/** An account of `alloc`. Storage maps 32-byte slots to 32-byte values (hex keys, no 0x). */
export interface GenesisAccount {
  balance: bigint;
  nonce: bigint;
  code: Uint8Array;
  storage: Map<string, Uint8Array>;
}

/** A parsed genesis.json: the fields `ToBlock` reads, with `config` kept as given. */
export interface GenesisSpec {
  config: Record<string, unknown>;
  nonce: bigint;
  timestamp: bigint;
  extraData: Uint8Array;
  gasLimit: bigint;
  difficulty?: bigint;
  mixHash: Uint8Array;
  coinbase: Uint8Array;
  /** By lower-case hex address (no 0x). */
  alloc: Map<string, GenesisAccount>;
  number: bigint;
  gasUsed: bigint;
  parentHash: Uint8Array;
  baseFee?: bigint;
  excessBlobGas?: bigint;
  blobGasUsed?: bigint;
  slotNumber?: bigint;
}

const isSet = (v: unknown) => v !== undefined && v !== null;

/** geth `math.HexOrDecimal256`/`HexOrDecimal64`: a JSON number, decimal string or 0x-hex string. */
function parseUint(v: unknown, field: string, bits: number): bigint {
  let out: bigint;
  if (typeof v === 'number') {
    // Numbers above 2^53 have lost precision in JSON.parse: refuse rather than hash a wrong value.
    if (!Number.isSafeInteger(v) || v < 0) throw new DecodeError(WHAT, field, `not an exact unsigned integer: ${v}`);
    out = BigInt(v);
  } else if (typeof v === 'string' && /^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(v)) out = BigInt(v);
  else throw new DecodeError(WHAT, field, `expected an unsigned integer, got ${JSON.stringify(v)}`);
  if (out >> BigInt(bits) !== 0n) throw new DecodeError(WHAT, field, `out of range for uint${bits}`);
  return out;
}

function optUint(v: unknown, field: string, bits: number, dflt: bigint): bigint {
  return isSet(v) ? parseUint(v, field, bits) : dflt;
}

/** Hex bytes with or without 0x, of exactly `length` bytes if given. */
function parseHex(v: unknown, field: string, length?: number): Uint8Array {
  if (typeof v !== 'string') throw new DecodeError(WHAT, field, 'expected a hex string');
  let b: Uint8Array;
  try {
    b = hexToBytes(v);
  } catch {
    throw new DecodeError(WHAT, field, `invalid hex ${JSON.stringify(v.slice(0, 40))}`);
  }
  if (length !== undefined && b.length !== length) throw new DecodeError(WHAT, field, `expected ${length} bytes, got ${b.length}`);
  return b;
}

/** geth `storageJSON`: up to 32 bytes of hex, left-padded with zeros. */
function parseWord(v: unknown, field: string): Uint8Array {
  const b = parseHex(v, field);
  if (b.length > 32) throw new DecodeError(WHAT, field, 'more than 32 bytes');
  const out = new Uint8Array(32);
  out.set(b, 32 - b.length);
  return out;
}

function parseAccount(v: unknown, field: string): GenesisAccount {
  if (typeof v !== 'object' || v === null) throw new DecodeError(WHAT, field, 'expected an object');
  const a = v as Record<string, unknown>;
  const storage = new Map<string, Uint8Array>();
  if (isSet(a['storage'])) {
    if (typeof a['storage'] !== 'object') throw new DecodeError(WHAT, `${field}.storage`, 'expected an object');
    for (const [k, val] of Object.entries(a['storage'] as Record<string, unknown>)) {
      storage.set(bytesToHex(parseWord(k, `${field}.storage key`)), parseWord(val, `${field}.storage[${k}]`));
    }
  }
  return {
    balance: optUint(a['balance'], `${field}.balance`, 256, 0n),
    nonce: optUint(a['nonce'], `${field}.nonce`, 64, 0n),
    code: isSet(a['code']) ? parseHex(a['code'], `${field}.code`) : new Uint8Array(0),
    storage,
  };
}

/** Parses a genesis.json (text or parsed object). Throws DecodeError naming the field. */
export function parseGenesisJson(json: unknown): GenesisSpec {
  const g = genesisJsonObject(json);
  const config = g['config'];
  if (typeof config !== 'object' || config === null) throw new DecodeError(WHAT, 'config', 'expected an object');
  const alloc = new Map<string, GenesisAccount>();
  if (isSet(g['alloc'])) {
    if (typeof g['alloc'] !== 'object') throw new DecodeError(WHAT, 'alloc', 'expected an object');
    for (const [addr, acct] of Object.entries(g['alloc'] as Record<string, unknown>)) {
      alloc.set(bytesToHex(parseHex(addr, `alloc key ${addr}`, 20)), parseAccount(acct, `alloc[${addr}]`));
    }
  }
  const spec: GenesisSpec = {
    config: config as Record<string, unknown>,
    nonce: optUint(g['nonce'], 'nonce', 64, 0n),
    timestamp: optUint(g['timestamp'], 'timestamp', 64, 0n),
    extraData: isSet(g['extraData']) ? parseHex(g['extraData'], 'extraData') : new Uint8Array(0),
    gasLimit: optUint(g['gasLimit'], 'gasLimit', 64, 0n),
    mixHash: isSet(g['mixHash']) ? parseHex(g['mixHash'], 'mixHash', 32) : new Uint8Array(32),
    coinbase: isSet(g['coinbase']) ? parseHex(g['coinbase'], 'coinbase', 20) : new Uint8Array(20),
    alloc,
    number: optUint(g['number'], 'number', 64, 0n),
    gasUsed: optUint(g['gasUsed'], 'gasUsed', 64, 0n),
    parentHash: isSet(g['parentHash']) ? parseHex(g['parentHash'], 'parentHash', 32) : new Uint8Array(32),
  };
  if (isSet(g['difficulty'])) spec.difficulty = parseUint(g['difficulty'], 'difficulty', 256);
  if (isSet(g['baseFeePerGas'])) spec.baseFee = parseUint(g['baseFeePerGas'], 'baseFeePerGas', 256);
  if (isSet(g['excessBlobGas'])) spec.excessBlobGas = parseUint(g['excessBlobGas'], 'excessBlobGas', 64);
  if (isSet(g['blobGasUsed'])) spec.blobGasUsed = parseUint(g['blobGasUsed'], 'blobGasUsed', 64);
  if (isSet(g['slotNumber'])) spec.slotNumber = parseUint(g['slotNumber'], 'slotNumber', 64);
  return spec;
}

function trimLeadingZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.subarray(i);
}

/** Root of an account's storage trie: keccak(slot) -> rlp(value without leading zeros); zero values are absent. */
export function storageRoot(storage: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const entries: [Uint8Array, Uint8Array][] = [];
  for (const [slot, value] of storage) {
    const v = trimLeadingZeros(value);
    if (v.length > 0) entries.push([keccak256(hexToBytes(slot)), encBytes(v)]);
  }
  return entries.length === 0 ? EMPTY_TRIE_ROOT : trieRoot(entries);
}

/**
 * The state root of `alloc`: the secure trie keccak(address) -> rlp([nonce, balance,
 * storageRoot, codeHash]). Every listed account is in it, empty ones too (geth commits the
 * genesis state without EIP-158 deletion).
 */
export function genesisStateRoot(alloc: ReadonlyMap<string, GenesisAccount>): Uint8Array {
  const entries: [Uint8Array, Uint8Array][] = [];
  for (const [addr, a] of alloc) {
    const account = encList([encUint(a.nonce), encUint(a.balance), encBytes(storageRoot(a.storage)), encBytes(a.code.length === 0 ? EMPTY_CODE_HASH : keccak256(a.code))]);
    entries.push([keccak256(hexToBytes(addr)), account]);
  }
  return entries.length === 0 ? EMPTY_TRIE_ROOT : trieRoot(entries);
}

function blockForked(config: Record<string, unknown>, key: string, num: bigint): boolean {
  const v = config[key];
  return isSet(v) && parseUint(v, `config.${key}`, 256) <= num;
}

function timeForked(config: Record<string, unknown>, key: string, time: bigint): boolean {
  const v = config[key];
  return isSet(v) && parseUint(v, `config.${key}`, 64) <= time;
}

/**
 * Refuses (GenesisError 'unsupported'), by design, a genesis whose block we cannot compute
 * exactly: a verkle genesis, or a time-based fork we do not know that is active at genesis
 * (it may add header fields). A wrong genesis hash would be worse than a clear error.
 */
function checkSupported(spec: GenesisSpec): void {
  const c = spec.config;
  if (c['enableVerkleAtGenesis'] === true) throw new GenesisError('unsupported', 'verkle (binary trie) genesis state');
  for (const [key, v] of Object.entries(c)) {
    if (!key.endsWith('Time') || !isSet(v) || KNOWN_GENESIS_TIME_FORKS.includes(key)) continue;
    if (timeForked(c, key, spec.timestamp)) throw new GenesisError('unsupported', `fork ${key} is active at genesis and may change the genesis header`);
  }
}

/** The genesis header fields of `spec` (geth `Genesis.ToBlock`). */
export function genesisHeaderFields(spec: GenesisSpec): HeaderFields {
  checkSupported(spec);
  const c = spec.config;
  const num = spec.number;
  const t = spec.timestamp;
  const london = blockForked(c, 'londonBlock', 0n);
  const after = (key: string) => blockForked(c, 'londonBlock', num) && timeForked(c, key, t);
  let difficulty = spec.difficulty;
  if (difficulty === undefined) {
    const ethash = isSet(c['ethash']);
    difficulty = !ethash ? 0n : spec.mixHash.every((b) => b === 0) ? GENESIS_DIFFICULTY : 0n;
  }
  const nonce = new Uint8Array(8);
  new DataView(nonce.buffer).setBigUint64(0, spec.nonce);
  const h: HeaderFields = {
    parentHash: spec.parentHash,
    uncleHash: EMPTY_UNCLE_HASH,
    coinbase: spec.coinbase,
    stateRoot: genesisStateRoot(spec.alloc),
    txRoot: EMPTY_TRIE_ROOT,
    receiptRoot: EMPTY_TRIE_ROOT,
    bloom: new Uint8Array(256),
    difficulty,
    number: num,
    gasLimit: spec.gasLimit === 0n ? GENESIS_GAS_LIMIT : spec.gasLimit,
    gasUsed: spec.gasUsed,
    time: t,
    extra: spec.extraData,
    mixDigest: spec.mixHash,
    nonce,
  };
  // geth copies a given base fee even before London, and defaults it from London on.
  if (spec.baseFee !== undefined) h.baseFee = spec.baseFee;
  else if (london) h.baseFee = INITIAL_BASE_FEE;
  if (after('shanghaiTime')) h.withdrawalsRoot = EMPTY_TRIE_ROOT;
  if (after('cancunTime')) {
    h.blobGasUsed = spec.blobGasUsed ?? 0n;
    h.excessBlobGas = spec.excessBlobGas ?? 0n;
    // EIP-4788: the genesis has no parent beacon block.
    h.parentBeaconRoot = new Uint8Array(32);
  } else if (spec.excessBlobGas !== undefined) {
    throw new GenesisError('unsupported', 'excessBlobGas set before Cancun');
  }
  if (after('pragueTime')) h.requestsHash = EMPTY_REQUESTS_HASH;
  if (after('amsterdamTime')) {
    // EIP-7928 block access list hash, then EIP-7843 slot number: fields after requestsHash.
    h.unknownFields = [encBytes(EMPTY_BLOCK_ACCESS_LIST_HASH), encUint(spec.slotNumber ?? 0n)];
  }
  return h;
}

/** The genesis block: its header, no transactions or uncles, and an empty withdrawals list from Shanghai on. */
export function genesisBlock(spec: GenesisSpec): Block {
  const header = makeHeader(genesisHeaderFields(spec));
  const block: Block = { header, transactions: [], uncles: [] };
  if (header.withdrawalsRoot !== undefined) block.withdrawals = [];
  return block;
}

/** The genesis block of a genesis.json (text or parsed object). */
export function genesisBlockFromJson(json: unknown): Block {
  return genesisBlock(parseGenesisJson(json));
}
