/**
 * The command tree and its dispatcher: groups (`key`, `discv4`...) hold commands; the words of
 * the command line walk the tree to a command, which parses the rest. `--help` on a group lists
 * its commands; on a command it prints the command's help (see command.ts).
 */
import { formatHelp, formatRows, GLOBAL_FLAGS, HelpRequested, type CommandSpec } from './command.js';
import { UsageError } from './output.js';

/** A command that runs: its spec and its entry point (returns the exit code, or nothing for 0). */
export interface Command {
  spec: CommandSpec;
  run(args: string[]): Promise<number | void>;
}

/** Commands under one word (`key generate`, `key to-id`...). */
export interface Group {
  /** The words after `devp2p-ts` ('' for the root). */
  name: string;
  summary: string;
  commands: Readonly<Record<string, Command | Group>>;
  /** Runs when the next word is no subcommand (`demo` runs the devnet demo, `demo rlpx` the other). */
  default?: Command;
}

const isGroup = (n: Command | Group): n is Group => 'commands' in n;

/** Every command under `node` with its summary, depth first, in declaration order. */
export function listCommands(node: Command | Group): [string, string][] {
  if (!isGroup(node)) return [[node.spec.name, node.spec.summary]];
  const own: [string, string][] = node.default ? [[node.default.spec.name, node.default.spec.summary]] : [];
  return [...own, ...Object.values(node.commands).flatMap(listCommands)];
}

/** `--help` of a group: its commands, and how to get theirs. */
export function formatGroupHelp(g: Group, header?: string): string {
  const name = g.name ? `devp2p-ts ${g.name}` : 'devp2p-ts';
  return [
    ...(header ? [header, ''] : []),
    `usage: ${name} <command> [flags]`,
    '',
    g.summary,
    '',
    'commands:',
    formatRows(listCommands(g)),
    '',
    'global flags:',
    formatRows(g.name ? GLOBAL_FLAGS : [...GLOBAL_FLAGS, ['--version', 'print the version of devp2p-ts, Node and the crypto backend']]),
    '',
    `Run '${name} <command> --help' for the flags of a command.`,
  ].join('\n') + '\n';
}

/**
 * Runs the command `args` name under `group`. Help goes to stdout and returns 0; other
 * mistakes throw UsageError; the command's own errors propagate.
 */
export async function dispatch(group: Group, args: readonly string[], out: (s: string) => void): Promise<number> {
  const [word, ...rest] = args;
  const next = word === undefined ? undefined : group.commands[word];
  if (next !== undefined) return isGroup(next) ? dispatch(next, rest, out) : runCommand(next, rest, out);
  if (group.default) {
    // `demo --help` shows demo's flags and its subcommands.
    const subs = Object.values(group.commands).flatMap(listCommands);
    return runCommand(group.default, args, out, subs);
  }
  if (word === '--help' || word === '-h' || word === 'help') {
    out(formatGroupHelp(group));
    return 0;
  }
  const names = Object.keys(group.commands).join(', ');
  const what = group.name ? `${group.name} command` : 'command';
  const see = `see devp2p-ts${group.name ? ` ${group.name}` : ''} --help`;
  if (word === undefined) throw new UsageError(`${group.name} needs a command: ${names} (${see})`);
  throw new UsageError(`unknown ${what} "${word}" (${group.name ? `${names}; ` : ''}${see})`);
}

async function runCommand(cmd: Command, args: readonly string[], out: (s: string) => void, subcommands?: [string, string][]): Promise<number> {
  try {
    return (await cmd.run([...args])) ?? 0;
  } catch (err) {
    if (!(err instanceof HelpRequested)) throw err;
    out(formatHelp(err.spec, subcommands));
    return 0;
  }
}
