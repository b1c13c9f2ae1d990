/**
 * Commands described as data: each command declares its flags (with value placeholder, unit,
 * default) and examples once, and that one description gives both the parser and the help text,
 * so `--help` cannot drift from what is parsed. Parsing is node:util parseArgs in its lenient
 * token mode, with our own checks on top: every mistake becomes one {@link UsageError} line that
 * names the flag or argument, negative numbers reach the flag's own check (`--blocks -5` is "must
 * be a non-negative integer", not Node's "argument is ambiguous"), and `--help`/`-h` anywhere
 * before `--` asks for help.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './output.js';

/** One flag of a command. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  /** The value's placeholder in help: N, FILE, DURATION, IP:PORT... */
  value?: string;
  /** What the flag does, with its unit. */
  help: string;
  /** Applied when the flag is absent, and shown in help. */
  default?: string;
  /** Shown in help when the default is not a fixed string (computed per network, a fresh key...). */
  defaultText?: string;
  /** The flag may be repeated; its values are collected in order. */
  multiple?: boolean;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** A command that runs (a leaf of the command tree). */
export interface CommandSpec<F extends FlagSpecs = FlagSpecs> {
  /** The words after `devp2p-ts`, e.g. `rlpx ping`. */
  name: string;
  /** The positional part of the usage line, e.g. `<enode>` or `[FILE]`. */
  args?: string;
  /** How many positional arguments it takes: [min, max] (default none). */
  positionals?: readonly [number, number];
  /** What a missing positional is, for the error: "an enode URL". */
  argsName?: string;
  /** One line for command lists. */
  summary: string;
  /** More text after the summary in `--help`. */
  description?: string;
  flags: F;
  /** Full command lines, at least one. */
  examples: readonly [string, ...string[]];
}

type FlagValue<S extends FlagSpec> = S['type'] extends 'boolean'
  ? boolean
  : S extends { multiple: true }
    ? string[]
    : S extends { default: string }
      ? string
      : string | undefined;

/** The parsed values of a command's flags, typed from its spec. */
export type FlagValues<F extends FlagSpecs> = { -readonly [K in keyof F]: FlagValue<F[K]> };

/** Declares a command (keeps the literal flag types for {@link FlagValues}). */
export function defineCommand<const F extends FlagSpecs>(spec: CommandSpec<F>): CommandSpec<F> {
  return spec;
}

/** Declares flags shared by several commands. */
export function defineFlags<const F extends FlagSpecs>(flags: F): F {
  return flags;
}

/** Thrown by {@link parseCommand} when the arguments ask for help; the dispatcher prints it. */
export class HelpRequested extends Error {
  constructor(readonly spec: CommandSpec) {
    super(`help for ${spec.name}`);
    this.name = 'HelpRequested';
  }
}

/** A negative number is a value (for the flag's own check to refuse), not a flag. */
const NEGATIVE_NUMBER = /^-\d/;

/** Parses `args` against `spec`; throws UsageError (one line) or HelpRequested. */
export function parseCommand<F extends FlagSpecs>(spec: CommandSpec<F>, args: readonly string[]): { values: FlagValues<F>; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, f] of Object.entries(spec.flags)) options[name] = { type: f.type, ...(f.multiple ? { multiple: true } : {}) };
  // Scanned in the raw words, so that help wins even where parseArgs would take it as a value.
  const end = args.indexOf('--');
  if ((end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h')) throw new HelpRequested(spec as CommandSpec);
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });

  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    if (t.kind !== 'option') continue;
    const flag = spec.flags[t.name];
    if (flag === undefined) throw new UsageError(`${spec.name}: unknown flag ${t.rawName} (see devp2p-ts ${spec.name} --help)`);
    if (flag.type === 'boolean') {
      if (t.value !== undefined) throw new UsageError(`--${t.name} takes no value, got "${t.value}"`);
      values[t.name] = true;
      continue;
    }
    const what = flag.value ?? 'a value';
    if (t.value === undefined) throw new UsageError(`--${t.name} needs a value (${what})`);
    // parseArgs takes the next word even when it is another flag: `--out --json` lost --json.
    if (!t.inlineValue && t.value.startsWith('-') && t.value !== '-' && !NEGATIVE_NUMBER.test(t.value)) {
      throw new UsageError(`--${t.name} needs a value (${what}), got the flag "${t.value}"`);
    }
    if (flag.multiple) ((values[t.name] ??= []) as string[]).push(t.value);
    else values[t.name] = t.value;
  }
  for (const [name, f] of Object.entries(spec.flags)) {
    if (values[name] !== undefined) continue;
    if (f.type === 'boolean') values[name] = false;
    else if (f.multiple) values[name] = [];
    else if (f.default !== undefined) values[name] = f.default;
  }

  const [min, max] = spec.positionals ?? [0, 0];
  if (positionals.length < min) throw new UsageError(`${spec.name} needs ${spec.argsName ?? spec.args ?? `${min} argument(s)`}`);
  if (positionals.length > max) {
    const extra = positionals[max]!;
    throw new UsageError(max === 0 ? `${spec.name} takes no arguments, got "${extra}"` : `${spec.name} takes at most ${max} argument${max === 1 ? '' : 's'} (${spec.args}), got also "${extra}"`);
  }
  return { values: values as FlagValues<F>, positionals };
}

/** Flags every command accepts, parsed by main.ts before a command is chosen. */
export const GLOBAL_FLAGS: readonly (readonly [string, string])[] = [
  ['--crypto pure|fast|auto', 'cryptography backend: pure (TypeScript), fast (WASM/OpenSSL) or auto (default auto; also the environment variable DEVP2P_CRYPTO)'],
  ['-h, --help', 'print the help of the command'],
];

/** Help lines are wrapped to this width. */
const HELP_WIDTH = 100;
/** The flag column is at most this wide; longer flags put their text on the next line. */
const FLAG_COLUMN_MAX = 30;

/** Two-column rows (`  left  text`), the text wrapped under its column. */
export function formatRows(rows: readonly (readonly [string, string])[]): string {
  const col = Math.min(FLAG_COLUMN_MAX, Math.max(...rows.map(([l]) => l.length)));
  const indent = ' '.repeat(2 + col + 2);
  return rows
    .map(([left, text]) => {
      const lines = wrap(text, HELP_WIDTH - indent.length);
      const head = left.length > col ? `  ${left}\n${indent}` : `  ${left.padEnd(col)}  `;
      return head + lines.join(`\n${indent}`);
    })
    .join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : [''];
}

/** A summary as the first sentence of a paragraph. */
const sentence = (s: string): string => `${s.charAt(0).toUpperCase()}${s.slice(1)}${s.endsWith('.') ? '' : '.'}`;

function flagRow(name: string, f: FlagSpec): [string, string] {
  const left = `--${name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;
  const dflt = f.default !== undefined ? `default ${f.default === '' ? '""' : f.default}` : f.defaultText !== undefined ? `default ${f.defaultText}` : undefined;
  if (!dflt) return [left, f.help];
  // "(1-16)" and a default read as one parenthesis: "(1-16; default 3)".
  return [left, f.help.endsWith(')') ? `${f.help.slice(0, -1)}; ${dflt})` : `${f.help} (${dflt})`];
}

/** The `--help` text of a command; `subcommands` are listed when the command also heads a group (demo). */
export function formatHelp(spec: CommandSpec, subcommands?: readonly (readonly [string, string])[]): string {
  const flags = Object.entries(spec.flags);
  const parts = [
    `usage: devp2p-ts ${spec.name}${spec.args ? ` ${spec.args}` : ''}${flags.length ? ' [flags]' : ''}`,
    '',
    wrap(sentence(spec.summary) + (spec.description ? ` ${spec.description}` : ''), HELP_WIDTH).join('\n'),
  ];
  if (subcommands?.length) parts.push('', 'commands:', formatRows(subcommands));
  if (flags.length) parts.push('', 'flags:', formatRows(flags.map(([n, f]) => flagRow(n, f))));
  parts.push('', 'global flags:', formatRows(GLOBAL_FLAGS), '', spec.examples.length > 1 ? 'examples:' : 'example:', ...spec.examples.map((e) => `  ${e}`));
  return parts.join('\n') + '\n';
}
