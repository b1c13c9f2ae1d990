import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/common/log.js';

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
