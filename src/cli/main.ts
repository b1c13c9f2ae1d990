#!/usr/bin/env node
/** The devp2p-ts command line: dispatches to one module per command group. */
import { keyCommand, KEY_USAGE } from './key.js';
import { discv4Command, DISCV4_USAGE, enrdumpCommand } from './discv4.js';
import { rlpxCommand, RLPX_USAGE } from './rlpx.js';
import { ethCommand, ETH_USAGE } from './eth.js';
import { demoCommand } from './demo.js';
import { serveCommand, SERVE_USAGE } from './serve.js';
import { devnetChainCommand, DEVNET_CHAIN_USAGE } from './devnet-chain.js';
import { nodeCommand, NODE_USAGE } from './node.js';
import { syncHeadersCommand, SYNC_USAGE } from './sync-headers.js';
import { crawlCommand, CRAWL_USAGE } from './crawl.js';
import { testCommand, TEST_USAGE } from './test.js';
import { UsageError } from './output.js';

const USAGE = `devp2p-ts: Ethereum devp2p (RLPx, discv4, eth) in TypeScript

commands:
  demo [--nodes N] [--blocks N] [--json]     offline devnet demo: discovery + header sync (the default job)
  demo rlpx [--nodes N] [--messages N] [--json]   RLPx-only loopback demo
${KEY_USAGE.replace('usage:\n', '')}
${RLPX_USAGE.replace('usage:\n', '')}
${ETH_USAGE.replace('usage:\n', '')}
${DISCV4_USAGE.replace('usage:\n', '')}
${NODE_USAGE.replace('usage:\n', '')}
${SERVE_USAGE.replace('usage:\n', '')}
${DEVNET_CHAIN_USAGE.replace('usage:\n', '')}
${SYNC_USAGE.replace('usage:\n', '')}
${CRAWL_USAGE.replace('usage:\n', '')}
${TEST_USAGE.replace('usage:\n', '')}
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'key':
        await keyCommand(rest);
        return 0;
      case 'rlpx':
        await rlpxCommand(rest);
        return 0;
      case 'eth':
        await ethCommand(rest);
        return 0;
      case 'demo':
        await demoCommand(rest);
        return 0;
      case 'discv4':
        await discv4Command(rest);
        return 0;
      case 'enrdump':
        await enrdumpCommand(rest);
        return 0;
      case 'node':
        await nodeCommand(rest);
        return 0;
      case 'test':
        return await testCommand(rest);
      case 'serve':
        await serveCommand(rest);
        return 0;
      case 'devnet-chain':
        await devnetChainCommand(rest);
        return 0;
      case 'sync-headers':
        await syncHeadersCommand(rest);
        return 0;
      case 'crawl':
        await crawlCommand(rest);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${cmd}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    const e = err as Error;
    // parseArgs reports unknown flags with this code: a usage error too.
    if ((e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${e.message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
