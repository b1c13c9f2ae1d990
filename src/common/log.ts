/**
 * Structured logging with levels. A line is a message plus key/value fields, written as text
 * (`LEVEL [component] message key=value ...`) for terminals or as one JSON object per line for
 * log pipelines. Libraries take a Logger and default to a silent one; the CLI makes a real one.
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';
/** The lowest level a logger writes, or `silent` for none. */
export type LogThreshold = LogLevel | 'silent';
const ORDER: Record<LogThreshold, number> = { silent: -1, error: 0, warn: 1, info: 2, debug: 3, trace: 4 };

/**
 * geth's `--verbosity` numbers: index = verbosity (0 silent, 1 error, 2 warn, 3 info, 4 debug,
 * 5 trace).
 */
export const VERBOSITY_LEVELS: readonly LogThreshold[] = ['silent', 'error', 'warn', 'info', 'debug', 'trace'];

/**
 * The threshold of a geth-style verbosity: a number 0-5 or a level name. Undefined when the
 * text is neither.
 */
export function parseVerbosity(text: string): LogThreshold | undefined {
  const t = text.trim().toLowerCase();
  if (/^[0-5]$/.test(t)) return VERBOSITY_LEVELS[Number(t)];
  return (VERBOSITY_LEVELS as readonly string[]).includes(t) ? (t as LogThreshold) : undefined;
}

export type LogFields = Record<string, unknown>;

export interface Logger {
  error(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  /** Per-message detail (geth's trace): off unless asked for. */
  trace(msg: string, fields?: LogFields): void;
  /** Whether a line at `level` would be written (to skip building costly fields). */
  enabled(level: LogLevel): boolean;
  /** A logger for a sub-component, sharing level and output. */
  child(component: string): Logger;
}

export interface LoggerOptions {
  level?: LogThreshold;
  format?: 'text' | 'json';
  /** Where lines go (default: stderr). */
  write?: (line: string) => void;
  component?: string;
}

function fmtValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  if (typeof v === 'bigint') return v.toString();
  return JSON.stringify(v);
}

/** Creates a logger writing at `level` and above. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = ORDER[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const json = opts.format === 'json';
  const make = (component: string | undefined): Logger => {
    const log = (lvl: LogLevel, msg: string, fields: LogFields = {}) => {
      if (ORDER[lvl] > level) return;
      if (json) {
        const out: Record<string, unknown> = { t: new Date().toISOString(), level: lvl, ...(component ? { component } : {}), msg };
        for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? v.message : typeof v === 'bigint' ? v.toString() : v;
        write(JSON.stringify(out));
      } else {
        const kv = Object.entries(fields).map(([k, v]) => `${k}=${fmtValue(v)}`).join(' ');
        write(`${new Date().toISOString().slice(11, 23)} ${lvl.toUpperCase().padEnd(5)} ${component ? `[${component}] ` : ''}${msg}${kv ? ' ' + kv : ''}`);
      }
    };
    return {
      error: (m, f) => log('error', m, f),
      warn: (m, f) => log('warn', m, f),
      info: (m, f) => log('info', m, f),
      debug: (m, f) => log('debug', m, f),
      trace: (m, f) => log('trace', m, f),
      enabled: (lvl) => ORDER[lvl] <= level,
      child: (c) => make(component ? `${component}/${c}` : c),
    };
  };
  return make(opts.component);
}

/** A logger that drops everything (the default for library objects). */
export const silentLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  trace() {},
  enabled: () => false,
  child: () => silentLogger,
};
