import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseDurationFlag } from '../../src/cli/duration.js';
import { UsageError } from '../../src/cli/output.js';

describe('durations (geth style)', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h2m3s', 3_723_000],
    ['1.5h', 5_400_000],
    ['0.25s', 250],
    ['1500', 1_500],
    ['0', 0],
    [' 5s ', 5_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'soon', '5', '5x', 's', '-5s', '5 s', '1.s', '5sm', 'ms'].filter((t) => t !== '5'))('%j is no duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('a flag error names the flag and the text; a minimum is enforced', () => {
    expect(() => parseDurationFlag('timeout', 'soon')).toThrow(new UsageError('--timeout is not a duration: "soon" (use e.g. 500ms, 10s, 2m, 1h; a bare number is milliseconds)'));
    expect(() => parseDurationFlag('timeout', '-1s')).toThrow(/^--timeout must not be negative: "-1s"/);
    expect(() => parseDurationFlag('duration', '999ms', 1_000)).toThrow(new UsageError('--duration must be at least 1s, got "999ms"'));
    expect(() => parseDurationFlag('duration', '60', 1_000)).toThrow(new UsageError('--duration must be at least 1s, got "60" (a bare number is milliseconds)'));
    expect(parseDurationFlag('duration', '1s', 1_000)).toBe(1_000);
  });

  it('formatDuration gives the shortest text that parses back', () => {
    for (const ms of [0, 1, 999, 1_000, 1_500, 60_000, 90_000, 3_600_000, 30 * 60_000]) expect(parseDuration(formatDuration(ms))).toBe(ms);
    expect([10_000, 1_800_000, 3_600_000, 1_500].map(formatDuration)).toEqual(['10s', '30m', '1h', '1500ms']);
  });
});
