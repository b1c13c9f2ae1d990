import { describe, expect, it } from 'vitest';
import { AbortError, abortable, ignoreAbort, onAbort, throwIfAborted, isAbortError, sleep, untilSettledOrAborted } from '../../src/common/abortable.js';

/** The rejection of `p` (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('sleep', () => {
  it('resolves after the delay when nothing aborts it', async () => {
    const t = performance.now();
    await sleep(20, { signal: new AbortController().signal });
    expect(performance.now() - t).toBeGreaterThanOrEqual(15);
  });

  it('rejects at once with an AbortError whose cause is the reason when the signal aborts', async () => {
    const ac = new AbortController();
    const reason = new Error('stop');
    const p = sleep(60_000, { signal: ac.signal });
    ac.abort(reason);
    const err = await rejection(p);
    expect(err.name).toBe('AbortError');
    expect(err.cause).toBe(reason);
    expect(isAbortError(err)).toBe(true);
  });

  it('rejects the same way when the signal has already aborted', async () => {
    const reason = new Error('gone');
    const err = await rejection(sleep(60_000, { signal: AbortSignal.abort(reason) }));
    expect(err.name).toBe('AbortError');
    expect(err.cause).toBe(reason);
  });

  it('leaves no listener on the signal once it ends', async () => {
    const ac = new AbortController();
    let added = 0;
    let removed = 0;
    const add = ac.signal.addEventListener.bind(ac.signal);
    const remove = ac.signal.removeEventListener.bind(ac.signal);
    ac.signal.addEventListener = ((...a: Parameters<typeof add>) => (added++, add(...a))) as typeof add;
    ac.signal.removeEventListener = ((...a: Parameters<typeof remove>) => (removed++, remove(...a))) as typeof remove;
    await sleep(1, { signal: ac.signal });
    expect(added).toBe(1);
    expect(removed).toBe(1);
  });
});

describe('ignoreAbort', () => {
  it('swallows an aborted wait and rethrows any other error', async () => {
    await expect(sleep(60_000, { signal: AbortSignal.abort() }).catch(ignoreAbort)).resolves.toBeUndefined();
    const other = new Error('disk full');
    await expect(Promise.reject(other).catch(ignoreAbort)).rejects.toBe(other);
  });
});

describe('abortable', () => {
  it('settles as the promise when the signal stays quiet', async () => {
    await expect(abortable(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7);
    const err = new Error('failed');
    await expect(abortable(Promise.reject(err), new AbortController().signal)).rejects.toBe(err);
  });

  it('rejects with an AbortError caused by the reason as soon as the signal aborts', async () => {
    const ac = new AbortController();
    const reason = new Error('stop');
    const p = abortable(new Promise(() => {}), ac.signal);
    ac.abort(reason);
    const err = await rejection(p);
    expect(err).toBeInstanceOf(AbortError);
    expect(err.name).toBe('AbortError');
    expect(err.cause).toBe(reason);
    const already = await rejection(abortable(new Promise(() => {}), AbortSignal.abort(reason)));
    expect(already.cause).toBe(reason);
  });

  it('untilSettledOrAborted resolves either way', async () => {
    await expect(untilSettledOrAborted(Promise.reject(new Error('x')), new AbortController().signal)).resolves.toBeUndefined();
    await expect(untilSettledOrAborted(new Promise(() => {}), AbortSignal.abort())).resolves.toBeUndefined();
  });
});

describe('onAbort and throwIfAborted', () => {
  it('onAbort calls back once with an AbortError and detaches cleanly', () => {
    const ac = new AbortController();
    const seen: Error[] = [];
    const detach = onAbort(ac.signal, (e) => seen.push(e));
    ac.abort('why');
    ac.abort('again');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.name).toBe('AbortError');
    expect(seen[0]!.cause).toBe('why');
    detach();
    const quiet = new AbortController();
    const off = onAbort(quiet.signal, (e) => seen.push(e));
    off();
    quiet.abort();
    expect(seen).toHaveLength(1);
  });

  it('throwIfAborted throws an AbortError carrying the default DOM reason when none was given', () => {
    expect(() => throwIfAborted(undefined)).not.toThrow();
    expect(() => throwIfAborted(new AbortController().signal)).not.toThrow();
    const ac = new AbortController();
    ac.abort();
    try {
      throwIfAborted(ac.signal);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).name).toBe('AbortError');
      expect((err as Error).cause).toBe(ac.signal.reason);
    }
  });
});
