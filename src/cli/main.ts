#!/usr/bin/env node
/**
 * The devp2p-ts command line. Reads the global flags first (--crypto sets DEVP2P_CRYPTO before
 * any module that does cryptography is loaded: the commands are imported only after), then
 * walks the command tree. Exit codes: 0 success, 1 failure, 2 usage error, for every command.
 */
import { EXIT_USAGE, reportError } from './error-report.js';
import { CRYPTO_ENV, takeGlobalFlags } from './global-flags.js';
import { versionText } from './version.js';

const io = { out: (s: string) => void process.stdout.write(s), err: (s: string) => void process.stderr.write(s) };

async function main(argv: readonly string[]): Promise<number> {
  let json = argv.includes('--json');
  try {
    const global = takeGlobalFlags(argv);
    json = global.json;
    if (global.crypto !== undefined) process.env[CRYPTO_ENV] = global.crypto;
    const [first] = global.args;
    if (first === '--version' || first === 'version') {
      io.out(await versionText());
      return 0;
    }
    const { ROOT } = await import('./commands.js');
    const { dispatch, formatGroupHelp } = await import('./command-tree.js');
    if (first === undefined) {
      io.out(formatGroupHelp(ROOT));
      return EXIT_USAGE;
    }
    return await dispatch(ROOT, global.args, io.out);
  } catch (err) {
    return reportError(err, json, io);
  }
}

process.exitCode = await main(process.argv.slice(2));
