/** `--help` on every command and group, and `--version`, from the built CLI. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { listCommands } from '../../src/cli/command-tree.js';
import { ROOT as COMMANDS } from '../../src/cli/commands.js';
import { cli, commandSpecs, requireBuild, ROOT } from './run-cli.js';

beforeAll(requireBuild);

/** Every command of the CLI: a new one must be added here (and so get its help checked). */
const EXPECTED_COMMANDS = [
  'demo',
  'demo rlpx',
  'key generate',
  'key to-id',
  'key to-enode',
  'key to-enr',
  'enrdump',
  'rlpx ping',
  'eth status',
  'snap account-range',
  'snap storage-ranges',
  'snap bytecodes',
  'snap trie-nodes',
  'discv4 ping',
  'discv4 requestenr',
  'discv4 resolve',
  'discv4 listen',
  'discv4 crawl',
  'discv5 ping',
  'discv5 requestenr',
  'discv5 resolve',
  'discv5 listen',
  'discv5 crawl',
  'dns sync',
  'dns sign',
  'dns to-txt',
  'node',
  'serve',
  'devnet-chain',
  'sync-headers',
  'crawl',
  'report',
  'test eth',
  'test discv4',
];

const GROUPS = ['key', 'rlpx', 'eth', 'discv4', 'discv5', 'dns', 'test'];

describe('--help', () => {
  it('the command tree holds exactly the expected commands', () => {
    expect(listCommands(COMMANDS).map(([name]) => name)).toEqual(EXPECTED_COMMANDS);
  });

  it.concurrent.each(EXPECTED_COMMANDS)('%s --help: exit 0, a usage line, every flag with its default, an example', async (name) => {
    const spec = commandSpecs().get(name)!;
    const r = await cli([...name.split(' '), '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^usage: devp2p-ts ${name}( |$)`));
    for (const [flag, f] of Object.entries(spec.flags)) {
      const row = lines.find((l) => l.startsWith(`  --${flag}${f.type === 'string' ? ' ' : ''}`));
      expect(row, `--${flag} in\n${r.stdout}`).toBeDefined();
      // The default shown is the one applied (it may wrap onto the next line).
      if (f.default !== undefined) expect(r.stdout.replace(/\s+/g, ' ')).toContain(`default ${f.default === '' ? '""' : f.default}`);
    }
    expect(r.stdout).toMatch(/^examples?:$/m);
    expect(r.stdout).toMatch(new RegExp(`^  devp2p-ts ${name} `, 'm'));
    expect(r.stdout).toMatch(/^ {2}--crypto pure\|fast\|auto/m);
  });

  it.concurrent.each(GROUPS)('%s --help lists its commands, exit 0', async (group) => {
    const r = await cli([group, '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`usage: devp2p-ts ${group} <command> [flags]`);
    for (const name of EXPECTED_COMMANDS.filter((n) => n.startsWith(`${group} `))) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it('-h is --help; help wins over other arguments, even invalid ones', async () => {
    const long = await cli(['rlpx', 'ping', '--help']);
    const short = await cli(['rlpx', 'ping', '-h']);
    expect(short.code).toBe(0);
    expect(short.stdout).toBe(long.stdout);
    const mixed = await cli(['rlpx', 'ping', 'enode://nonsense', '--timeout', 'soon', '--help']);
    expect(mixed.code).toBe(0);
    expect(mixed.stdout).toBe(long.stdout);
  });

  it('demo --help shows its flags and its subcommand demo rlpx', async () => {
    const r = await cli(['demo', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: devp2p-ts demo \[flags\]$/m);
    expect(r.stdout).toMatch(/^ {2}demo rlpx +RLPx-only loopback demo/m);
    expect(r.stdout).toMatch(/^ {2}--blocks N +length of the devnet chain in blocks \(1-200000, default 5000; with --with-geth$/m);
    expect(r.stdout).toMatch(/^ {2}--geth FILE +the geth binary for --with-geth \(implies it\)$/m);
  });

  it('devp2p-ts --help and help list every command; no arguments prints the same and exits 2', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.split('\n')[0]).toBe('usage: devp2p-ts <command> [flags]');
    for (const name of EXPECTED_COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(help.stdout).toMatch(/^ {2}--version +print the version/m);
    expect((await cli(['help'])).stdout).toBe(help.stdout);
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe(help.stdout);
  });
});

describe('README', () => {
  it("the command list in README's Command line section is devp2p-ts --help's", async () => {
    const help = (await cli(['--help'])).stdout;
    const commands = help.slice(help.indexOf('commands:\n') + 'commands:\n'.length, help.indexOf('\n\n', help.indexOf('commands:\n')) + 1);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Command line'), readme.indexOf('## Library'));
    expect(section).toContain('```\n' + commands + '```\n');
  });
});

describe('--version', () => {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

  it('prints the package version, the Node version and the backend auto chose, with why', async () => {
    const r = await cli(['--version'], { env: { DEVP2P_CRYPTO: '' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^devp2p-ts ${version.replace(/\./g, '\\.')}\nnode ${process.version.replace(/\./g, '\\.')}\ncrypto: (fast|pure) \\(auto \\(default\\): .+\\)\n$`));
    expect((await cli(['version'], { env: { DEVP2P_CRYPTO: '' } })).stdout).toBe(r.stdout);
  });

  it('--crypto sets the selection before anything runs (DEVP2P_CRYPTO too), and the line names the backend in use', async () => {
    expect((await cli(['--crypto', 'pure', '--version'])).stdout).toMatch(/^crypto: pure \(--crypto pure|DEVP2P_CRYPTO=pure\)$/m);
    expect((await cli(['--crypto=fast', '--version'])).stdout).toMatch(/^crypto: fast \(/m);
    expect((await cli(['--version'], { env: { DEVP2P_CRYPTO: 'pure' } })).stdout).toMatch(/^crypto: pure \(DEVP2P_CRYPTO=pure\)$/m);
  });
});
