import { describe, expect, it } from 'vitest';
import { createLogger, parseVerbosity, silentLogger, type LogThreshold } from '../../src/common/log.js';

describe('logger', () => {
  it('writes text lines at or above its level, with fields', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l), component: 'server' });
    log.debug('hidden');
    log.info('peer added', { id: 'ab12', direction: 'inbound', note: 'has space' });
    log.child('dial').warn('failed', { err: new Error('ECONNREFUSED') });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/INFO  \[server\] peer added id=ab12 direction=inbound note="has space"$/);
    expect(lines[1]).toMatch(/WARN  \[server\/dial\] failed err="ECONNREFUSED"$/);
  });

  it('writes one JSON object per line in json format', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', format: 'json', write: (l) => lines.push(l) });
    log.debug('x', { n: 5n, e: new Error('boom') });
    const o = JSON.parse(lines[0]!);
    expect(o).toMatchObject({ level: 'debug', msg: 'x', n: '5', e: 'boom' });
  });
});

describe('levels and verbosity', () => {
  it("geth's --verbosity numbers: 0 silent, 1 error, 2 warn, 3 info, 4 debug, 5 trace; names too", () => {
    expect(['0', '1', '2', '3', '4', '5'].map(parseVerbosity)).toEqual(['silent', 'error', 'warn', 'info', 'debug', 'trace']);
    expect(parseVerbosity('DEBUG')).toBe('debug');
    expect(parseVerbosity('6')).toBeUndefined();
    expect(parseVerbosity('loud')).toBeUndefined();
  });

  it('each threshold writes its level and those above, silent none', () => {
    const written = (level: LogThreshold) => {
      const lines: string[] = [];
      const log = createLogger({ level, write: (l) => lines.push(l) });
      log.error('e');
      log.warn('w');
      log.info('i');
      log.debug('d');
      log.trace('t');
      return lines.map((l) => l.split(' ')[1]);
    };
    expect(written('silent')).toEqual([]);
    expect(written('warn')).toEqual(['ERROR', 'WARN']);
    expect(written('trace')).toEqual(['ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE']);
  });

  it('enabled() says whether a level is written', () => {
    const log = createLogger({ level: 'info', write: () => {} });
    expect([log.enabled('error'), log.enabled('info'), log.enabled('debug'), log.enabled('trace')]).toEqual([true, true, false, false]);
    expect(log.child('x').enabled('info')).toBe(true);
    expect(silentLogger.enabled('error')).toBe(false);
  });
});
