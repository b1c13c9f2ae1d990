import { describe, expect, it } from 'vitest';
import { defineCommand, formatHelp, HelpRequested, parseCommand } from '../../src/cli/command.js';
import { UsageError } from '../../src/cli/output.js';

const SPEC = defineCommand({
  name: 'thing do',
  args: '<target>',
  argsName: 'a target',
  positionals: [1, 2],
  summary: 'do a thing',
  flags: {
    count: { type: 'string', value: 'N', help: 'how many (1-9)', default: '3' },
    out: { type: 'string', value: 'FILE', help: 'where to write' },
    peer: { type: 'string', value: 'ENODE', help: 'a peer', multiple: true },
    json: { type: 'boolean', help: 'print JSON' },
  },
  examples: ['devp2p-ts thing do x --count 4'],
});

describe('parseCommand', () => {
  it('applies defaults, collects repeated flags, keeps positionals', () => {
    const { values, positionals } = parseCommand(SPEC, ['x', '--peer', 'a', '--peer=b', '--json']);
    expect(values).toEqual({ count: '3', peer: ['a', 'b'], json: true });
    expect(positionals).toEqual(['x']);
    expect(parseCommand(SPEC, ['x', '--count', '7']).values.count).toBe('7');
  });

  it('passes negative numbers on to the flag (its own check refuses them)', () => {
    expect(parseCommand(SPEC, ['x', '--count', '-5']).values.count).toBe('-5');
    expect(parseCommand(SPEC, ['x', '--count=-5']).values.count).toBe('-5');
  });

  it('after -- everything is a positional, --help included', () => {
    expect(parseCommand(SPEC, ['--', '--help']).positionals).toEqual(['--help']);
  });

  it.each([
    [['x', '--bogus'], 'thing do: unknown flag --bogus (see devp2p-ts thing do --help)'],
    [['x', '--out'], '--out needs a value (FILE)'],
    [['x', '--out', '--json'], '--out needs a value (FILE), got the flag "--json"'],
    [['x', '--json=no'], '--json takes no value, got "no"'],
    [[], 'thing do needs a target'],
    [['x', 'y', 'z'], 'thing do takes at most 2 arguments (<target>), got also "z"'],
  ])('%j: %s', (args, message) => {
    expect(() => parseCommand(SPEC, args)).toThrow(new UsageError(message));
  });

  it('--help and -h anywhere ask for help, even beside mistakes', () => {
    for (const args of [['--help'], ['-h'], ['x', '--bogus', '-h'], ['--out', '--help']]) {
      expect(() => parseCommand(SPEC, args)).toThrow(HelpRequested);
    }
  });
});

describe('formatHelp', () => {
  it('a usage line, the summary, one row per flag with its default, global flags, the example', () => {
    const help = formatHelp(SPEC);
    expect(help).toBe(
      [
        'usage: devp2p-ts thing do <target> [flags]',
        '',
        'Do a thing.',
        '',
        'flags:',
        '  --count N     how many (1-9; default 3)',
        '  --out FILE    where to write',
        '  --peer ENODE  a peer',
        '  --json        print JSON',
        '',
        'global flags:',
        '  --crypto pure|fast|auto  cryptography backend: pure (TypeScript), fast (WASM/OpenSSL) or auto',
        '                           (default auto; also the environment variable DEVP2P_CRYPTO)',
        '  -h, --help               print the help of the command',
        '',
        'example:',
        '  devp2p-ts thing do x --count 4',
        '',
      ].join('\n'),
    );
  });
});
