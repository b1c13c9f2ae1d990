import { describe, expect, it } from 'vitest';
import { EventEmitter, on, once } from 'node:events';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TypedEmitter } from '../../src/common/emitter.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { RlpxListener } from '../../src/rlpx/listener.js';
import { dial } from '../../src/rlpx/connect.js';
import type { Session, SessionConfig } from '../../src/rlpx/session.js';

interface TestEvents {
  tick: (n: number, label: string) => void;
  done: () => void;
}

class Ticker extends TypedEmitter<TestEvents> {
  tick(n: number): boolean {
    return this.emit('tick', n, `#${n}`);
  }
}

const EMITTER_JS = fileURLToPath(new URL('../../dist/src/common/emitter.js', import.meta.url));

describe('TypedEmitter', () => {
  it('is a Node EventEmitter: events.once resolves with the arguments', async () => {
    const t = new Ticker();
    expect(t).toBeInstanceOf(EventEmitter);
    const next = once(t, 'tick');
    t.tick(7);
    expect(await next).toEqual([7, '#7']);
    expect(t.listenerCount('tick')).toBe(0);
  });

  it('events.on iterates emissions until its signal aborts', async () => {
    const t = new Ticker();
    const ac = new AbortController();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const [n] of on(t, 'tick', { signal: ac.signal })) {
        seen.push(n as number);
        if (seen.length === 3) ac.abort(new Error('enough'));
      }
    })();
    for (let i = 1; i <= 3; i++) {
      await new Promise((r) => setImmediate(r));
      t.tick(i);
    }
    const err = (await loop.catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('AbortError');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('a throwing listener does not stop the others; its error is emitted as error', () => {
    const t = new Ticker();
    const errors: Error[] = [];
    const calls: string[] = [];
    t.on('error', (e) => errors.push(e));
    t.on('tick', () => {
      throw new Error('first fails');
    });
    t.on('tick', () => calls.push('second'));
    expect(t.tick(1)).toBe(true);
    expect(calls).toEqual(['second']);
    expect(errors.map((e) => e.message)).toEqual(['first fails']);
  });

  it('an async listener whose promise rejects is caught and emitted as error', async () => {
    const t = new Ticker();
    const failed = once(t, 'error');
    t.on('tick', async (n) => {
      await new Promise((r) => setImmediate(r));
      throw new Error(`tick ${n} failed`);
    });
    t.tick(3);
    const [err] = (await failed) as [Error];
    expect(err.message).toBe('tick 3 failed');
  });

  it("emit('error') with no listener throws, as Node does", () => {
    const t = new Ticker();
    expect(() => t.emit('error', new Error('nobody listens'))).toThrow('nobody listens');
    expect(t.emit('done')).toBe(false);
  });

  it('a listener failure with no error listener is an uncaught exception, not lost', async () => {
    const script = `
      import { TypedEmitter } from ${JSON.stringify(EMITTER_JS)};
      const t = new TypedEmitter();
      t.on('tick', async () => { throw new Error('async listener failed'); });
      t.emit('tick');
      setTimeout(() => console.log('still running'), 200);
    `;
    const run = promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
    const err = (await run.then(() => undefined, (e: unknown) => e)) as { code: number; stderr: string; stdout: string };
    expect(err).toBeDefined();
    expect(err.code).not.toBe(0);
    expect(err.stderr).toContain('async listener failed');
    expect(err.stdout).not.toContain('still running');
  });

  it("events.once(listener, 'session') waits for a real inbound session", async () => {
    const keyA = generatePrivateKey();
    const keyB = generatePrivateKey();
    const caps = [{ name: 'eth', version: 69, length: 18 }];
    const configB: SessionConfig = { privateKey: keyB, capabilities: caps, clientId: 'b' };
    const listener = new RlpxListener(configB);
    const port = await listener.listen(0);
    try {
      const arrived = once(listener, 'session') as Promise<[Session]>;
      const out = await dial({ publicKey: publicKeyOf(keyB), host: '127.0.0.1', port }, { privateKey: keyA, capabilities: caps, clientId: 'a' });
      const [inbound] = await arrived;
      expect(inbound.remoteHello?.clientId).toBe('a');
      await out.disconnect();
    } finally {
      await listener.close();
    }
  });
});
