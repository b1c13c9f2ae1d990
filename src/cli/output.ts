/** Shared CLI plumbing: usage errors, JSON output, number and port flags. */

/** A mistake in the command line: one line naming the flag or argument, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A failure the command has already described in its output (under --json: in its JSON
 * result, e.g. `"ok": false`). Exit code 1; only the one-line message goes to stderr.
 */
export class ReportedFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportedFailure';
  }
}

/** A port could not be bound (in use, or not an address of this host). */
export class ListenError extends Error {
  constructor(
    readonly address: string,
    cause: unknown,
  ) {
    super(`cannot listen on ${address}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
    this.name = 'ListenError';
  }
}

/** Stopped by SIGINT or SIGTERM before the work was done. */
export class InterruptedError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

/** Prints a value as one JSON line (bigint as decimal string, bytes as 0x-less hex). */
export function printJson(value: unknown): void {
  process.stdout.write(jsonLine(value));
}

/** One JSON line (bigint as decimal string, bytes as 0x-less hex). */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)) + '\n';
}

/** Parses a decimal port number option. */
export function parsePortOption(name: string, v: string | undefined, dflt?: number): number {
  if (v === undefined) {
    if (dflt === undefined) throw new UsageError(`--${name} is required`);
    return dflt;
  }
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new UsageError(`--${name} must be a port number, got "${v}"`);
  return Number(v);
}

/** Parses a non-negative integer option (a count, a block number). */
export function parseIntOption(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v.trim())) throw new UsageError(`--${name} must be a non-negative integer, got "${v}"`);
  return Number(v.trim());
}

/** Parses an integer option that must lie in [min, max]. */
export function parseIntInRange(name: string, v: string | undefined, dflt: number, min: number, max: number): number {
  const n = parseIntOption(name, v, dflt);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got "${v}"`);
  return n;
}
