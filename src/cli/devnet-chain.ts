/**
 * `devp2p-ts devnet-chain`: writes the deterministic devnet chain (the one `serve` and `demo`
 * generate) as a geth-style chain file, genesis included, and optionally its receipts file and
 * geth genesis.json, for `serve --chain FILE --network devnet` (or `--genesis FILE`) or other tools.
 */
import { writeFile } from 'node:fs/promises';
import { bytesToHex } from '../common/bytes.js';
import { devnetGenesisJson, writeDevnetChainFiles } from '../chain/devnet-chain.js';
import { DEVNET_SEED } from './common-options.js';
import { defineCommand, parseCommand } from './command.js';
import type { Command } from './command-tree.js';
import { parseIntInRange, printJson, UsageError } from './output.js';

/** Most blocks generated (they are streamed to the files, so this bounds the time, not memory: a mainnet-length chain). */
export const MAX_DEVNET_CHAIN_BLOCKS = 30_000_000;

const DEVNET_CHAIN = defineCommand({
  name: 'devnet-chain',
  summary: 'write the deterministic devnet chain (blocks 0..N) as a geth chain file, with its receipts file and genesis.json if asked',
  description: 'For `serve --chain FILE --network devnet` (or --genesis FILE) and other tools.',
  flags: {
    blocks: { type: 'string', value: 'N', help: `the head block number (0-${MAX_DEVNET_CHAIN_BLOCKS}); required` },
    out: { type: 'string', value: 'FILE', help: 'the chain file to write; required' },
    'receipts-out': { type: 'string', value: 'FILE', help: 'also write the receipts file' },
    'genesis-out': { type: 'string', value: 'FILE', help: 'also write its geth genesis.json' },
    json: { type: 'boolean', help: 'print one JSON summary (errors too)' },
  },
  examples: ['devp2p-ts devnet-chain --blocks 1000 --out devnet.rlp --receipts-out devnet.receipts --genesis-out devnet-genesis.json'],
});

export async function devnetChainCommand(args: string[]): Promise<void> {
  const { values } = parseCommand(DEVNET_CHAIN, args);
  if (values.blocks === undefined) throw new UsageError('--blocks N is required');
  if (values.out === undefined) throw new UsageError('--out FILE is required');
  const blocks = parseIntInRange('blocks', values.blocks, 0, 0, MAX_DEVNET_CHAIN_BLOCKS);
  const written = await writeDevnetChainFiles({ length: blocks, seed: DEVNET_SEED, out: values.out, ...(values['receipts-out'] === undefined ? {} : { receiptsOut: values['receipts-out'] }) });
  const receipts = written.receipts;
  if (values['genesis-out'] !== undefined) await writeFile(values['genesis-out'], JSON.stringify(devnetGenesisJson({ seed: DEVNET_SEED }), null, 2) + '\n');
  const head = written.head;
  const summary = {
    out: values.out,
    blocks: written.blocks,
    bytes: written.bytes,
    head: head.number,
    headHash: `0x${bytesToHex(head.hash)}`,
    genesisHash: `0x${bytesToHex(written.network.genesisHash)}`,
    networkId: written.network.networkId,
    ...(receipts === undefined ? {} : { receiptsOut: values['receipts-out'], receiptsBytes: receipts.bytes }),
    ...(values['genesis-out'] === undefined ? {} : { genesisOut: values['genesis-out'] }),
  };
  if (values.json) printJson(summary);
  else {
    process.stdout.write(`wrote blocks 0..${head.number} (${written.bytes} bytes) to ${values.out}\n`);
    if (receipts !== undefined) process.stdout.write(`wrote receipts of ${receipts.entries} blocks (${receipts.bytes} bytes) to ${values['receipts-out']}\n`);
    if (values['genesis-out'] !== undefined) process.stdout.write(`wrote its genesis.json to ${values['genesis-out']}\n`);
    process.stdout.write(`head ${summary.headHash}, genesis ${summary.genesisHash}: serve with --network devnet${values['genesis-out'] === undefined ? '' : ` or --genesis ${values['genesis-out']}`}\n`);
  }
}

export const DEVNET_CHAIN_COMMAND: Command = { spec: DEVNET_CHAIN, run: devnetChainCommand };
