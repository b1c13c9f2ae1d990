import { describe, expect, it } from 'vitest';
import { errorCode, exitCodeOf, reportError } from '../../src/cli/error-report.js';
import { InterruptedError, ListenError, ReportedFailure, UsageError } from '../../src/cli/output.js';
import { DialError } from '../../src/rlpx/connect.js';
import { DisconnectError, HandshakeError, TimeoutError } from '../../src/rlpx/errors.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import { EthHandshakeError } from '../../src/eth/errors.js';
import { NodeKeyError } from '../../src/enode/key.js';
import { SyncError } from '../../src/sync/headers/header-sync.js';

function errno(code: string): Error {
  return Object.assign(new Error(`${code}: x`), { code });
}

describe('error codes', () => {
  it.each([
    [new UsageError('x'), 'usage'],
    [new DialError('1.2.3.4:5', 'ECONNREFUSED', 'ECONNREFUSED'), 'dial'],
    [new TimeoutError('handshake', 5), 'timeout'],
    [new DisconnectError(DisconnectReason.TooManyPeers, true), 'disconnect'],
    [new HandshakeError('bad auth'), 'handshake'],
    [new EthHandshakeError('genesis', 'x'), 'status'],
    [new SyncError('stalled', 'stalled'), 'sync'],
    [new SyncError('no usable peer', 'no-peers', { cause: new DialError('a:1', 'ECONNREFUSED', 'ECONNREFUSED') }), 'dial'],
    [new NodeKeyError('bad', 'f'), 'nodekey'],
    [errno('ENOENT'), 'file'],
    [new ListenError('127.0.0.1:1', errno('EADDRINUSE')), 'listen'],
    [errno('EADDRINUSE'), 'listen'],
    [new InterruptedError(), 'interrupted'],
    [new Error('other'), 'failed'],
    ['a string', 'failed'],
  ] as [unknown, string][])('%s -> %s', (err, code) => {
    expect(errorCode(err)).toBe(code);
    expect(exitCodeOf(err)).toBe(code === 'usage' ? 2 : 1);
  });
});

describe('reportError', () => {
  const capture = () => {
    const io = { out: '', err: '' };
    return { io, sink: { out: (s: string) => void (io.out += s), err: (s: string) => void (io.err += s) } };
  };

  it('text: one line on stderr (a multi-line message keeps its first line)', () => {
    const { io, sink } = capture();
    expect(reportError(new Error('first\nsecond'), false, sink)).toBe(1);
    expect(io).toEqual({ out: '', err: 'error: first\n' });
  });

  it('json: the error object on stdout; a failure already in the JSON result keeps stdout to it', () => {
    const a = capture();
    expect(reportError(new UsageError('--x is bad'), true, a.sink)).toBe(2);
    expect(a.io).toEqual({ out: '{"error":{"code":"usage","message":"--x is bad"}}\n', err: '' });
    const b = capture();
    expect(reportError(new ReportedFailure('demo failed'), true, b.sink)).toBe(1);
    expect(b.io).toEqual({ out: '', err: 'error: demo failed\n' });
  });
});
