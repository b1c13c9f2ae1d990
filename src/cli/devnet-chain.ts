/**
 * `devp2p-ts devnet-chain`: writes the deterministic devnet chain, executed (real state roots:
 * geth imports it), as a geth-style chain file, genesis included, and optionally its receipts
 * file and geth genesis.json, for `serve --chain FILE --genesis FILE`, `geth init` + `geth import`
 * or other tools.
 */
import { writeFile } from 'node:fs/promises';
import { bytesToHex, equalBytes } from '../common/bytes.js';
import { DEFAULT_DEVNET_FORK, DEFAULT_DEVNET_GENESIS_TIME, DEFAULT_SLOT_SECONDS, DEVNET_FORKS, devnetChainStream, devnetGenesisJson, type DevnetFork } from '../chain/devnet-chain.js';
import { writeDevnetChainFiles } from '../chain/devnet-files.js';
import { DEVNET_SEED } from './common-options.js';
import { defineCommand, parseCommand } from './command.js';
import type { Command } from './command-tree.js';
import { parseIntInRange, printJson, UsageError } from './output.js';

/** Most blocks generated (they are streamed to the files, so this bounds the time, not memory: a mainnet-length chain). */
export const MAX_DEVNET_CHAIN_BLOCKS = 30_000_000;
/** Longest slot accepted (a day): beyond it timestamps are not a devnet's. */
export const MAX_SLOT_SECONDS = 86_400;

const DEVNET_CHAIN = defineCommand({
  name: 'devnet-chain',
  summary: 'write the deterministic devnet chain (blocks 0..N) as a geth chain file, with its receipts file and genesis.json if asked',
  description: 'For `serve --chain FILE --network devnet` (or --genesis FILE) and other tools.',
  flags: {
    blocks: { type: 'string', value: 'N', help: `the head block number (0-${MAX_DEVNET_CHAIN_BLOCKS}); required` },
    out: { type: 'string', value: 'FILE', help: 'the chain file to write; required' },
    'receipts-out': { type: 'string', value: 'FILE', help: 'also write the receipts file' },
    'genesis-out': { type: 'string', value: 'FILE', help: 'also write its geth genesis.json' },
    'wire-only': { type: 'boolean', help: 'write the chain serve and demo generate in memory instead: not executed (stand-in state roots, clients cannot import it), much faster; --network devnet names it' },
    fork: { type: 'string', value: 'NAME', help: `forks at genesis: every fork up to ${DEVNET_FORKS.join('|')}`, defaultText: DEFAULT_DEVNET_FORK },
    'genesis-time': { type: 'string', value: 'UNIX', help: 'genesis timestamp in seconds', defaultText: `now minus N slots, so the head is recent (${DEFAULT_DEVNET_GENESIS_TIME} with --wire-only)` },
    'slot-seconds': { type: 'string', value: 'S', help: `seconds between blocks (1-${MAX_SLOT_SECONDS})`, defaultText: String(DEFAULT_SLOT_SECONDS) },
    json: { type: 'boolean', help: 'print one JSON summary (errors too)' },
  },
  examples: ['devp2p-ts devnet-chain --blocks 100000 --wire-only --out devnet.rlp', 'devp2p-ts devnet-chain --blocks 1000 --out devnet.rlp --receipts-out devnet.receipts --genesis-out devnet-genesis.json', 'devp2p-ts devnet-chain --blocks 64 --fork cancun --genesis-time 1700000000 --out devnet.rlp'],
});

export async function devnetChainCommand(args: string[]): Promise<void> {
  const { values } = parseCommand(DEVNET_CHAIN, args);
  if (values.blocks === undefined) throw new UsageError('--blocks N is required');
  if (values.out === undefined) throw new UsageError('--out FILE is required');
  const blocks = parseIntInRange('blocks', values.blocks, 0, 0, MAX_DEVNET_CHAIN_BLOCKS);
  const fork = (values.fork ?? DEFAULT_DEVNET_FORK) as DevnetFork;
  if (!DEVNET_FORKS.includes(fork)) throw new UsageError(`--fork must be one of ${DEVNET_FORKS.join(', ')}`);
  const slotSeconds = BigInt(parseIntInRange('slot-seconds', values['slot-seconds'], Number(DEFAULT_SLOT_SECONDS), 1, MAX_SLOT_SECONDS));
  const now = BigInt(Math.floor(Date.now() / 1000));
  const wireOnly = values['wire-only'] === true;
  const defaultTime = wireOnly ? DEFAULT_DEVNET_GENESIS_TIME : now - slotSeconds * BigInt(blocks);
  const genesisTime = values['genesis-time'] === undefined ? defaultTime : BigInt(parseIntInRange('genesis-time', values['genesis-time'], 0, 0, Number.MAX_SAFE_INTEGER));
  if (genesisTime < 0n) throw new UsageError(`--blocks ${blocks} at ${slotSeconds} s per slot reaches before 1970: give --genesis-time`);
  const chainOptions = { length: blocks, seed: DEVNET_SEED, fork, genesisTime, slotSeconds };
  const written = await writeDevnetChainFiles({ ...chainOptions, execute: !wireOnly, out: values.out, ...(values['receipts-out'] === undefined ? {} : { receiptsOut: values['receipts-out'] }) });
  const receipts = written.receipts;
  if (values['genesis-out'] !== undefined) await writeFile(values['genesis-out'], JSON.stringify(devnetGenesisJson(chainOptions), null, 2) + '\n');
  const head = written.head;
  const summary = {
    out: values.out,
    blocks: written.blocks,
    bytes: written.bytes,
    head: head.number,
    headHash: `0x${bytesToHex(head.hash)}`,
    genesisHash: `0x${bytesToHex(written.network.genesisHash)}`,
    networkId: written.network.networkId,
    executed: !wireOnly,
    fork,
    genesisTime,
    slotSeconds,
    ...(receipts === undefined ? {} : { receiptsOut: values['receipts-out'], receiptsBytes: receipts.bytes }),
    ...(values['genesis-out'] === undefined ? {} : { genesisOut: values['genesis-out'] }),
  };
  if (values.json) printJson(summary);
  else {
    process.stdout.write(`wrote blocks 0..${head.number} (${written.bytes} bytes) to ${values.out}\n`);
    if (receipts !== undefined) process.stdout.write(`wrote receipts of ${receipts.entries} blocks (${receipts.bytes} bytes) to ${values['receipts-out']}\n`);
    if (values['genesis-out'] !== undefined) process.stdout.write(`wrote its genesis.json to ${values['genesis-out']}\n`);
    const isDevnet = equalBytes(written.network.genesisHash, devnetChainStream({ length: 0, seed: DEVNET_SEED }).network.genesisHash);
    const network = isDevnet ? `--network devnet${values['genesis-out'] === undefined ? '' : ` or --genesis ${values['genesis-out']}`}` : `--genesis ${values['genesis-out'] ?? 'GENESIS.json (write it with --genesis-out)'}`;
    process.stdout.write(`head ${summary.headHash}, genesis ${summary.genesisHash} (fork ${fork}, genesis time ${genesisTime}${wireOnly ? ', not executed' : ''}): serve with --chain ${values.out} ${network}\n`);
  }
}

export const DEVNET_CHAIN_COMMAND: Command = { spec: DEVNET_CHAIN, run: devnetChainCommand };
