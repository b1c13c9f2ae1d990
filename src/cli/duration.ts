/**
 * Durations on the command line, as geth writes them (Go's time.ParseDuration without the
 * sub-millisecond units): `500ms`, `10s`, `2m`, `1h`, `1m30s`, `1.5h`. A bare number is
 * milliseconds, so flags that always took milliseconds keep their meaning. Every flag that
 * takes a time goes through {@link parseDurationFlag}.
 */
import { UsageError } from './output.js';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;

/** Milliseconds of `text`, or undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (t === '') return undefined;
  let ms = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < t.length) {
    const m = PART.exec(t);
    if (!m) return undefined;
    ms += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  }
  return Math.round(ms);
}

/**
 * The duration given to `--flag`, in milliseconds. Throws a UsageError naming the flag for
 * anything else, for negative values, and for values under `minMs`.
 */
export function parseDurationFlag(flag: string, text: string, minMs = 0): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    const why = text.trim().startsWith('-') ? 'must not be negative' : 'is not a duration';
    throw new UsageError(`--${flag} ${why}: "${text}" (use e.g. 500ms, 10s, 2m, 1h; a bare number is milliseconds)`);
  }
  if (ms < minMs) throw new UsageError(`--${flag} must be at least ${formatDuration(minMs)}, got "${text}"${/^\s*\d+\s*$/.test(text) ? ' (a bare number is milliseconds)' : ''}`);
  return ms;
}

/** The least timeout a flag accepts: 0 would fail every request at once. */
export const MIN_TIMEOUT_MS = 1;

/** The shortest text {@link parseDuration} reads back as `ms` (for defaults in help and messages). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
