/**
 * `devp2p-ts snap account-range|storage-ranges|bytecodes|trie-nodes <enode>`: dial a node, pass
 * the eth handshake as a fresh node of our network (geth serves snap only to eth peers), send one
 * snap request and print what came back, verified: range proofs against the root (or the
 * account's storage root), codes against their hashes, trie nodes against --expect.
 */
import { bytesToHex, hexToBytes } from '../common/bytes.js';
import type { ChainReader } from '../chain/chain.js';
import type { EthNetwork } from '../chain/chain-config.js';
import type { Enode } from '../enode/enode-url.js';
import { generatePrivateKey } from '../crypto/secp256k1.js';
import { ethCapabilities } from '../eth/capabilities.js';
import { EthPeer } from '../eth/peer.js';
import { ETH_VERSIONS } from '../eth/protocol.js';
import { dial } from '../rlpx/connect.js';
import { DisconnectReason } from '../rlpx/disconnect-reason.js';
import { SnapPeer } from '../snap/peer.js';
import { snapCapability } from '../snap/protocol.js';
import { defineCommand, parseCommand, type FlagSpecs } from './command.js';
import type { Group } from './command-tree.js';
import { EXAMPLE_ENODE, NETWORK_FLAGS, parseEnodeArg, parseEthVersions, resolveNetwork } from './common-options.js';
import { formatDuration, MIN_TIMEOUT_MS, parseDurationFlag } from './duration.js';
import { printJson, ReportedFailure, UsageError } from './output.js';

/** Default bound on the whole command (dial, handshakes, the request). */
export const SNAP_COMMAND_TIMEOUT_MS = 20_000;

const COMMON = {
  ...NETWORK_FLAGS,
  root: { type: 'string', value: 'HASH', help: 'state root to read (the head block\'s stateRoot)' },
  bytes: { type: 'string', value: 'N', help: 'soft limit on the reply size in bytes (servers cap it at 2 MiB)', default: String(512 * 1024) },
  snap: { type: 'string', value: 'LIST', help: 'snap versions to offer, comma-separated', default: '1,2' },
  eth: { type: 'string', value: 'LIST', help: 'eth versions to offer, comma-separated', default: ETH_VERSIONS.join(',') },
  timeout: { type: 'string', value: 'DURATION', help: 'bound on dial, handshakes and the request: 500ms, 10s (a bare number is milliseconds)', default: formatDuration(SNAP_COMMAND_TIMEOUT_MS) },
  json: { type: 'boolean', help: 'print one JSON object' },
} as const satisfies FlagSpecs;

const ACCOUNT_RANGE = defineCommand({
  name: 'snap account-range',
  args: '<enode>',
  argsName: 'an enode URL',
  positionals: [1, 1],
  summary: 'fetch a range of the account trie, proved against --root',
  flags: {
    ...COMMON,
    origin: { type: 'string', value: 'HASH', help: 'first account hash', defaultText: '0x00..00' },
    limit: { type: 'string', value: 'HASH', help: 'last account hash', defaultText: '0xff..ff' },
  },
  examples: [`devp2p-ts snap account-range ${EXAMPLE_ENODE} --genesis genesis.json --root 0x7714...996c --bytes 500000`],
});

const STORAGE_RANGES = defineCommand({
  name: 'snap storage-ranges',
  args: '<enode>',
  argsName: 'an enode URL',
  positionals: [1, 1],
  summary: "fetch accounts' storage, each proved against its storage root",
  flags: {
    ...COMMON,
    account: { type: 'string', value: 'HASH:ROOT', help: 'account hash and its storage root (repeat for several)', multiple: true },
    origin: { type: 'string', value: 'HASH', help: "first slot hash of the first account's storage" },
    limit: { type: 'string', value: 'HASH', help: "last slot hash of the first account's storage" },
  },
  examples: [`devp2p-ts snap storage-ranges ${EXAMPLE_ENODE} --genesis genesis.json --root 0x7714...996c --account 0xdf86...6473:0x0ed2...015a`],
});

const BYTECODES = defineCommand({
  name: 'snap bytecodes',
  args: '<enode>',
  argsName: 'an enode URL',
  positionals: [1, 1],
  summary: 'fetch contract codes by hash, each checked against its hash',
  flags: { ...COMMON, hash: { type: 'string', value: 'HASH', help: 'code hash (repeat for several)', multiple: true } },
  examples: [`devp2p-ts snap bytecodes ${EXAMPLE_ENODE} --genesis genesis.json --hash 0x0345...8f50`],
});

const TRIE_NODES = defineCommand({
  name: 'snap trie-nodes',
  args: '<enode>',
  argsName: 'an enode URL',
  positionals: [1, 1],
  summary: 'fetch trie nodes by path (snap/1), optionally checked against expected hashes',
  flags: {
    ...COMMON,
    snap: { type: 'string', value: 'LIST', help: 'snap versions to offer (GetTrieNodes is snap/1 only)', default: '1' },
    path: { type: 'string', value: 'HEX[,HEX...]', help: 'a path set: an account-trie path, or an account hash and storage-trie paths (compact encoding; repeat for several)', multiple: true },
    expect: { type: 'string', value: 'HASH', help: 'hash the node at the same position must have (repeat)', multiple: true },
  },
  examples: [`devp2p-ts snap trie-nodes ${EXAMPLE_ENODE} --genesis genesis.json --root 0x7714...996c --path 0x00 --expect 0x7714...996c`],
});

type CommonValues = { root?: string | undefined; bytes: string; snap: string; eth: string; timeout: string; json: boolean; network?: string | undefined; genesis?: string | undefined; 'genesis-hash'?: string | undefined };

function parseHash(flag: string, v: string | undefined): Uint8Array {
  if (v === undefined) throw new UsageError(`--${flag} is required`);
  let b: Uint8Array;
  try {
    b = hexToBytes(v);
  } catch {
    throw new UsageError(`--${flag}: not hex: ${v}`);
  }
  if (b.length !== 32) throw new UsageError(`--${flag}: expected 32 bytes, got ${b.length}`);
  return b;
}

function parseBytes(v: string): bigint {
  if (!/^\d+$/.test(v)) throw new UsageError(`--bytes: not a non-negative integer: ${v}`);
  return BigInt(v);
}

/** A chain of only the genesis block: our Status as a fresh node of the network. */
function genesisOnly(network: EthNetwork): ChainReader {
  return {
    head: () => ({ number: 0n, hash: network.genesisHash, time: network.genesisTime }),
    earliest: () => 0n,
    headerByNumber: () => undefined,
    headerByHash: () => undefined,
    bodyByHash: () => undefined,
    receiptsByHash: () => undefined,
  };
}

/** Dials, passes the eth handshake, runs `fn` on the snap peer, and ends the session. */
async function withSnapPeer<T>(target: Enode, values: CommonValues, fn: (snap: SnapPeer, signal: AbortSignal) => Promise<T>): Promise<T> {
  const timeoutMs = parseDurationFlag('timeout', values.timeout, MIN_TIMEOUT_MS);
  const network = await resolveNetwork(values);
  const snapVersions = values.snap.split(',').map((v) => {
    if (v !== '1' && v !== '2') throw new UsageError(`--snap: unknown version ${v} (1 or 2)`);
    return Number(v) as 1 | 2;
  });
  const signal = AbortSignal.timeout(timeoutMs);
  const session = await dial(
    { publicKey: target.publicKey, host: target.ip, port: target.tcpPort },
    { privateKey: generatePrivateKey(), capabilities: [...ethCapabilities(parseEthVersions(values.eth)), ...snapVersions.map(snapCapability)] },
    { dialTimeoutMs: timeoutMs, signal },
  );
  try {
    // The eth handshake first: the session hands its held messages (the Status) to eth.
    await EthPeer.connect(session, { network, chain: genesisOnly(network), signal });
    if (!session.capabilities.some((c) => c.name === 'snap')) throw new Error(`the node speaks no snap version of ${values.snap}`);
    return await fn(SnapPeer.fromSession(session, { requestTimeoutMs: timeoutMs }), signal);
  } finally {
    if (!session.closeInfo) await session.disconnect(DisconnectReason.ClientQuitting);
  }
}

const hex = (b: Uint8Array) => '0x' + bytesToHex(b);

function print(json: boolean, value: Record<string, unknown>, text: string): void {
  if (json) printJson(value);
  else process.stdout.write(text);
}

async function accountRange(args: string[]): Promise<void> {
  const { values, positionals } = parseCommand(ACCOUNT_RANGE, args);
  const root = parseHash('root', values.root);
  const req = { root, origin: values.origin === undefined ? new Uint8Array(32) : parseHash('origin', values.origin), limit: values.limit === undefined ? new Uint8Array(32).fill(0xff) : parseHash('limit', values.limit), bytes: parseBytes(values.bytes) };
  const res = await withSnapPeer(parseEnodeArg(positionals[0]!), values, (snap, signal) => snap.getAccountRange(req, { signal }));
  const accounts = res.accounts.map((a) => ({ hash: hex(a.hash), nonce: a.account.nonce.toString(), balance: a.account.balance.toString(), storageRoot: hex(a.account.storageRoot), codeHash: hex(a.account.codeHash) }));
  print(
    values.json,
    { root: hex(root), available: res.available, verified: res.available, more: res.more, count: accounts.length, proofNodes: res.proofNodes, accounts },
    res.available
      ? accounts.map((a) => `${a.hash} nonce=${a.nonce} balance=${a.balance} storageRoot=${a.storageRoot} codeHash=${a.codeHash}\n`).join('') +
          `${accounts.length} accounts, proved against ${hex(root)} with ${res.proofNodes} proof nodes${res.more ? '; more follow' : '; none after the last'}\n`
      : `the node does not serve state ${hex(root)}\n`,
  );
  if (!res.available) throw new ReportedFailure(`the node does not serve state ${hex(root)}`);
}

async function storageRanges(args: string[]): Promise<void> {
  const { values, positionals } = parseCommand(STORAGE_RANGES, args);
  const root = parseHash('root', values.root);
  if (values.account.length === 0) throw new UsageError('--account HASH:ROOT is required');
  const accounts = values.account.map((a) => {
    const [h, r] = a.split(':');
    return { hash: parseHash('account', h), storageRoot: parseHash('account', r) };
  });
  const req = {
    root,
    accounts,
    bytes: parseBytes(values.bytes),
    ...(values.origin === undefined ? {} : { origin: parseHash('origin', values.origin) }),
    ...(values.limit === undefined ? {} : { limit: parseHash('limit', values.limit) }),
  };
  const res = await withSnapPeer(parseEnodeArg(positionals[0]!), values, (snap, signal) => snap.getStorageRanges(req, { signal }));
  const out = res.slots.map((list, i) => ({ account: hex(accounts[i]!.hash), slots: list.map((s) => ({ hash: hex(s.hash), value: hex(s.value) })) }));
  print(
    values.json,
    { root: hex(root), verified: true, more: res.more, accounts: out },
    out.map((a) => `${a.account}: ${a.slots.length} slots\n` + a.slots.map((s) => `  ${s.hash} ${s.value}\n`).join('')).join('') +
      `${out.length} of ${accounts.length} accounts served, each proved against its storage root${res.more ? '; the last continues' : ''}\n`,
  );
}

async function bytecodes(args: string[]): Promise<void> {
  const { values, positionals } = parseCommand(BYTECODES, args);
  if (values.hash.length === 0) throw new UsageError('--hash is required');
  const hashes = values.hash.map((h) => parseHash('hash', h));
  const res = await withSnapPeer(parseEnodeArg(positionals[0]!), values, (snap, signal) => snap.getByteCodes({ hashes, bytes: parseBytes(values.bytes) }, { signal }));
  print(
    values.json,
    { verified: true, codes: res.map((c) => ({ hash: hex(c.hash), code: hex(c.code) })) },
    res.map((c) => `${hex(c.hash)} ${c.code.length} bytes\n`).join('') + `${res.length} of ${hashes.length} codes, each hashing to its request\n`,
  );
}

async function trieNodes(args: string[]): Promise<void> {
  const { values, positionals } = parseCommand(TRIE_NODES, args);
  const root = parseHash('root', values.root);
  if (values.path.length === 0) throw new UsageError('--path is required');
  const paths = values.path.map((set) =>
    set.split(',').map((p) => {
      try {
        return hexToBytes(p);
      } catch {
        throw new UsageError(`--path: not hex: ${p}`);
      }
    }),
  );
  const expected = values.expect.map((h) => parseHash('expect', h));
  const nodes = await withSnapPeer(parseEnodeArg(positionals[0]!), values, (snap, signal) => snap.getTrieNodes({ root, paths, bytes: parseBytes(values.bytes), ...(expected.length > 0 ? { expected } : {}) }, { signal }));
  print(
    values.json,
    { root: hex(root), verified: expected.length > 0, nodes: nodes.map(hex) },
    nodes.map((n, i) => `[${i}] ${n.length === 0 ? '(no node at this path)' : `${n.length} bytes ${hex(n).slice(0, 66)}${n.length > 32 ? '...' : ''}`}\n`).join('') +
      `${nodes.length} nodes${expected.length > 0 ? ', each hashing to its --expect' : ''}\n`,
  );
}

export const SNAP_GROUP: Group = {
  name: 'snap',
  summary: 'snap protocol requests, verified before they are printed.',
  commands: {
    'account-range': { spec: ACCOUNT_RANGE, run: accountRange },
    'storage-ranges': { spec: STORAGE_RANGES, run: storageRanges },
    bytecodes: { spec: BYTECODES, run: bytecodes },
    'trie-nodes': { spec: TRIE_NODES, run: trieNodes },
  },
};

