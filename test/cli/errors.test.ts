/**
 * The CLI's failures, from the built CLI: each is one line naming the flag or input and the
 * cause, exit 2 for usage errors and 1 for runtime failures in every command, and under --json
 * one `{"error":{"code","message"}}` object on stdout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCommands } from '../../src/cli/command-tree.js';
import { ROOT as COMMANDS } from '../../src/cli/commands.js';
import { EXAMPLE_ENODE } from '../../src/cli/common-options.js';
import { cli, closedPort, commandSpecs, expectErrorLine, expectJsonError, requireBuild } from './run-cli.js';

let dir: string;
beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'devp2p-ts-cli-errors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const DURATION_HINT = '(use e.g. 500ms, 10s, 2m, 1h; a bare number is milliseconds)';

describe('the error cases of issue 13', () => {
  it('enrdump enr:-xyz names the input and says the record is not valid RLP (was "rlp: invalid RLP (safeSlice)...", exit 1)', async () => {
    const msg = 'invalid ENR "enr:-xyz": the record is not valid RLP (truncated RLP length)';
    expectErrorLine(await cli(['enrdump', 'enr:-xyz']), 2, `error: ${msg}`);
    expectJsonError(await cli(['enrdump', 'enr:-xyz', '--json']), 2, { code: 'usage', message: msg });
    expectErrorLine(await cli(['enrdump', 'enr:wAA']), 2, 'error: invalid ENR "enr:wAA": the record is not valid RLP (trailing bytes after the item)');
  });

  it('sync-headers against a closed port reports the dial error at once (was: its 30 s wait, then "no eth peer with a matching Status")', async () => {
    const port = await closedPort();
    const peer = EXAMPLE_ENODE.replace(':30303', `:${port}`);
    const args = ['sync-headers', '--network', 'devnet', '--peer', peer, '--datadir', join(dir, 'sync')];
    // The child's hard limit (20 s) is below the 30 s the old code waited before failing.
    expectErrorLine(await cli(args), 1, `error: no usable peer: dial 127.0.0.1:${port}: ECONNREFUSED`);
    expectJsonError(await cli([...args, '--json']), 1, { code: 'dial', message: `no usable peer: dial 127.0.0.1:${port}: ECONNREFUSED` });
  });

  it('demo --blocks -5 is the flag\'s own one-line error (was Node\'s multi-line "argument is ambiguous")', async () => {
    expectErrorLine(await cli(['demo', '--blocks', '-5']), 2, 'error: --blocks must be a non-negative integer, got "-5"');
    expectErrorLine(await cli(['demo', '--blocks=-5']), 2, 'error: --blocks must be a non-negative integer, got "-5"');
    expectErrorLine(await cli(['demo', '--blocks', '0']), 2, 'error: --blocks must be between 1 and 200000, got "0"');
    // With geth the chain is executed first, so it is shorter.
    expectErrorLine(await cli(['demo', '--with-geth', '--geth', process.execPath, '--blocks', '5001']), 2, 'error: --blocks must be between 1 and 5000, got "5001"');
  });

  it('demo --with-geth without a geth binary says where it looked and how to get one; --geth names a file that is not one', async () => {
    const env = { PATH: dir, DEVP2P_TS_CACHE: join(dir, 'no-cache') };
    const res = await cli(['demo', '--with-geth'], { env });
    expectErrorLine(
      res,
      2,
      'error: demo --with-geth: no geth binary found (looked in the interop build cache and on PATH); build one with `scripts/build-go-tool.sh geth v1.17.10` from a clone of the repository, install geth, or give --geth FILE',
    );
    expectErrorLine(await cli(['demo', '--geth', join(dir, 'missing-geth')]), 2, `error: --geth ${join(dir, 'missing-geth')}: not an executable file`);
    expectErrorLine(await cli(['demo', '--geth', dir]), 2, `error: --geth ${dir}: not an executable file`);
  });

  it('an invalid enode is a usage error (exit 2) in every command (was 1 for discv4 ping)', async () => {
    const line = 'error: invalid enode URL: missing @host:port';
    expectErrorLine(await cli(['rlpx', 'ping', 'enode://xyz']), 2, line);
    expectErrorLine(await cli(['discv4', 'ping', 'enode://xyz']), 2, line);
    expectErrorLine(await cli(['eth', 'status', 'enode://xyz']), 2, line);
    expectErrorLine(await cli(['test', 'eth', '--node', 'enode://xyz']), 2, `error: --node: invalid enode URL: missing @host:port`);
    expectErrorLine(await cli(['sync-headers', '--peer', 'enode://xyz']), 2, `error: --peer: invalid enode URL: missing @host:port`);
  });
});

describe('usage errors: one line naming the flag, exit 2', () => {
  it.concurrent.each([
    [['demo', '--bogus'], 'error: demo: unknown flag --bogus (see devp2p-ts demo --help)'],
    [['discv4', 'ping', EXAMPLE_ENODE, '-x'], 'error: discv4 ping: unknown flag -x (see devp2p-ts discv4 ping --help)'],
    [['key', 'generate', '--out'], 'error: --out needs a value (FILE)'],
    [['key', 'generate', '--out', '--nodekey'], 'error: --out needs a value (FILE), got the flag "--nodekey"'],
    [['enrdump', 'enr:-xyz', '--json=yes'], 'error: --json takes no value, got "yes"'],
    [['key', 'to-id'], 'error: key to-id needs a key FILE'],
    [['key', 'to-id', 'a', 'b'], 'error: key to-id takes at most 1 argument (FILE), got also "b"'],
    [['crawl', 'extra'], 'error: crawl takes no arguments, got "extra"'],
    [['discv4'], 'error: discv4 needs a command: ping, requestenr, resolve, listen, crawl (see devp2p-ts discv4 --help)'],
    [['discv4', 'pong'], 'error: unknown discv4 command "pong" (ping, requestenr, resolve, listen, crawl; see devp2p-ts discv4 --help)'],
    [['frobnicate'], 'error: unknown command "frobnicate" (see devp2p-ts --help)'],
    [['--crypto', 'bogus', 'key', 'generate'], 'error: --crypto takes pure, fast, auto, got "bogus"'],
    [['key', 'generate', '--crypto'], 'error: --crypto needs a value (pure|fast|auto)'],
    [['serve', '--verbosity', '9'], 'error: --verbosity takes 0-5 (0 silent, 1 error, 2 warn, 3 info, 4 debug, 5 trace) or a level name, got "9"'],
    [['node', '--status-interval', '30'], 'error: --status-interval must be 0 or at least 1s, got "30" (a bare number is milliseconds)'],
    [['crawl', '--bootnodes', EXAMPLE_ENODE, '--duration', '60'], 'error: --duration must be at least 1s, got "60" (a bare number is milliseconds)'],
    [['rlpx', 'ping', EXAMPLE_ENODE, '--timeout', '-5s'], `error: --timeout must not be negative: "-5s" ${DURATION_HINT}`],
    [['rlpx', 'ping', EXAMPLE_ENODE, '--timeout', '0'], 'error: --timeout must be at least 1ms, got "0" (a bare number is milliseconds)'],
  ] as [string[], string][])('%j', async (args, line) => {
    expectErrorLine(await cli(args), 2, line);
  });

  it.concurrent.each([
    [['demo', 'rlpx', '--nodes', '33'], '--nodes must be between 1 and 32, got "33"'],
    [['demo', 'rlpx', '--messages', '1001'], '--messages must be between 1 and 1000, got "1001"'],
    [['serve', '--devnet-blocks', '1000001'], '--devnet-blocks must be between 0 and 1000000, got "1000001"'],
    [['node', '--maxpeers', '10001'], '--maxpeers must be between 0 and 10000, got "10001"'],
    [['crawl', '--parallel', '1025'], '--parallel must be between 1 and 1024, got "1025"'],
    [['discv4', 'crawl', '--parallel', '1025'], '--parallel must be between 1 and 1024, got "1025"'],
    [['devnet-chain', '--blocks', '30000001', '--out', 'unused.rlp'], '--blocks must be between 0 and 30000000, got "30000001"'],
  ] as [string[], string][])('bound: %j', async (args, message) => {
    expectErrorLine(await cli(args), 2, `error: ${message}`);
  });

  it('a long bad input is quoted by its first 40 characters, to stay on one line', async () => {
    const enr = `enr:${'A'.repeat(60)}`;
    const r = await cli(['enrdump', enr]);
    expectErrorLine(r, 2, new RegExp(`^error: invalid ENR ${JSON.stringify(`${enr.slice(0, 40)}...`).replace(/[.]/g, '\\.')}: `));
  });

  it('under --json a usage error is the JSON object with code "usage"', async () => {
    expectJsonError(await cli(['rlpx', 'ping', 'enode://xyz', '--json']), 2, { code: 'usage', message: 'invalid enode URL: missing @host:port' });
    expectJsonError(await cli(['demo', '--json', '--nodes', '99']), 2, { code: 'usage', message: '--nodes must be between 1 and 16, got "99"' });
  });

  it('a port in use: exit 1, "cannot listen on" with the address and the errno', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    try {
      const addr = `127.0.0.1:${(busy.address() as { port: number }).port}`;
      expectErrorLine(await cli(['serve', '--devnet-blocks', '1', '--addr', addr]), 1, `error: cannot listen on ${addr}: EADDRINUSE`);
      expectErrorLine(await cli(['node', '--network', 'devnet', '--nodiscover', '--addr', addr, '--datadir', join(dir, 'busy'), '--verbosity', '0']), 1, `error: cannot listen on ${addr}: EADDRINUSE`);
    } finally {
      await new Promise<void>((r) => busy.close(() => r()));
    }
  });

  it('--crypto is accepted by every command, anywhere before --', async () => {
    const r = await cli(['key', 'generate', '--crypto', 'pure']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect((await cli(['--crypto=auto', 'key', 'generate'])).code).toBe(0);
  });
});

/** Every flag that takes a time, with what its command needs to get as far as parsing it. */
const DURATION_FLAGS: [command: string, flag: string, args: string[]][] = [
  ['rlpx ping', 'timeout', [EXAMPLE_ENODE]],
  ['eth status', 'timeout', [EXAMPLE_ENODE]],
  ['snap account-range', 'timeout', [EXAMPLE_ENODE, '--root', '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']],
  ['snap storage-ranges', 'timeout', [EXAMPLE_ENODE, '--root', '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '--account', '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']],
  ['snap bytecodes', 'timeout', [EXAMPLE_ENODE, '--hash', '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']],
  ['snap trie-nodes', 'timeout', [EXAMPLE_ENODE, '--root', '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '--path', '0x']],
  ['discv4 ping', 'timeout', [EXAMPLE_ENODE]],
  ['discv4 requestenr', 'timeout', [EXAMPLE_ENODE]],
  ['discv4 resolve', 'timeout', [EXAMPLE_ENODE]],
  ['discv4 crawl', 'timeout', []],
  ['discv5 ping', 'timeout', [EXAMPLE_ENODE]],
  ['discv5 requestenr', 'timeout', [EXAMPLE_ENODE]],
  ['discv5 resolve', 'timeout', [EXAMPLE_ENODE]],
  ['discv5 crawl', 'timeout', []],
  ['dns sync', 'timeout', ['enrtree://AKPYQIUQIL7PSIACI32J7FGZW56E5FKHEFCCOFHILBIMW3M6LWXS2@nodes.example.org']],
  ['node', 'status-interval', ['--network', 'devnet']],
  ['sync-headers', 'timeout', ['--network', 'devnet', '--peer', EXAMPLE_ENODE]],
  ['crawl', 'timeout', ['--network', 'devnet', '--bootnodes', EXAMPLE_ENODE]],
  ['crawl', 'duration', ['--network', 'devnet', '--bootnodes', EXAMPLE_ENODE]],
  ['test eth', 'timeout', ['--node', EXAMPLE_ENODE]],
  ['test eth', 'read-timeout', ['--node', EXAMPLE_ENODE]],
  ['test discv4', 'timeout', ['--node', EXAMPLE_ENODE]],
  ['test discv4', 'wait', ['--node', EXAMPLE_ENODE]],
];

describe('durations: one parser for every flag that takes time', () => {
  it('the table above lists every DURATION flag of every command', () => {
    const specs = commandSpecs();
    const all = listCommands(COMMANDS).flatMap(([name]) =>
      Object.entries(specs.get(name)!.flags)
        .filter(([, f]) => f.value === 'DURATION')
        .map(([flag]) => `${name} --${flag}`),
    );
    expect(DURATION_FLAGS.map(([c, f]) => `${c} --${f}`).sort()).toEqual(all.sort());
  });

  it.concurrent.each(DURATION_FLAGS)('%s --%s soon: the duration error', async (command, flag, args) => {
    expectErrorLine(await cli([...command.split(' '), ...args, `--${flag}`, 'soon']), 2, `error: --${flag} is not a duration: "soon" ${DURATION_HINT}`);
  });

  it('rlpx ping --timeout 500ms bounds the exchange at 500 ms', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as { port: number }).port;
      const r = await cli(['rlpx', 'ping', EXAMPLE_ENODE.replace(':30303', `:${port}`), '--timeout', '500ms']);
      expectErrorLine(r, 1, 'error: handshake timeout after 500 ms');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
