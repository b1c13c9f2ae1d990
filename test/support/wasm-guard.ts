/**
 * vitest setup file: counts every WebAssembly module this test process compiles or
 * instantiates, and on the pure backend (DEVP2P_CRYPTO=pure) fails the file if there was one.
 * It runs before the test file imports anything from src/, so the crypto layer's own loading is
 * counted. test/crypto/wasm-guard.test.ts checks that the count works.
 *
 * Node's own fetch() compiles its HTTP parser (undici's llhttp) to WebAssembly on first use;
 * tests that scrape the metrics endpoint call it. That module is Node's, not ours or a
 * dependency's, so compilations whose caller is node:internal/deps/undici are not counted.
 */
import { afterAll, expect } from 'vitest';

interface Guarded {
  /** Compilations and instantiations seen in this process. */
  __devp2pWasmGuard?: string[];
}
const g = globalThis as Guarded;
/** Notes a compilation, unless Node's bundled undici (fetch) made it. */
function record(what: string): void {
  const caller = new Error().stack?.split('\n')[3] ?? '';
  if (!caller.includes('node:internal/deps/undici')) g.__devp2pWasmGuard!.push(what);
}

if (!g.__devp2pWasmGuard) {
  g.__devp2pWasmGuard = [];
  // lib ES2022 types WebAssembly only as a namespace; the object is there at run time.
  const wa = (globalThis as unknown as { WebAssembly: Record<string, unknown> }).WebAssembly;
  for (const name of ['compile', 'compileStreaming', 'instantiate', 'instantiateStreaming']) {
    const original = wa[name] as ((...args: unknown[]) => unknown) | undefined;
    if (typeof original !== 'function') continue;
    wa[name] = function (this: unknown, ...args: unknown[]) {
      record(`WebAssembly.${name}`);
      return original.apply(this, args);
    };
  }
  for (const name of ['Module', 'Instance']) {
    const original = wa[name] as new (...args: unknown[]) => object;
    wa[name] = new Proxy(original, {
      construct(target, args, newTarget) {
        record(`new WebAssembly.${name}`);
        return Reflect.construct(target, args, newTarget) as object;
      },
    });
  }
}

// A worker process may run several files: judge only what happened during this one.
const seenBefore = g.__devp2pWasmGuard.length;
afterAll(() => {
  if (process.env.DEVP2P_CRYPTO === 'pure') {
    expect(g.__devp2pWasmGuard!.slice(seenBefore), 'WebAssembly loaded on the pure backend').toEqual([]);
  }
});
