import { defineConfig } from 'vitest/config';

/**
 * The unit suite runs twice, once per crypto backend: `fast` (DEVP2P_CRYPTO=fast) and `pure`
 * (DEVP2P_CRYPTO=pure), where the setup file fails any test file that loads a WebAssembly
 * module. With DEVP2P_CRYPTO set outside (e.g. `DEVP2P_CRYPTO=pure npm test`), it runs once,
 * on that choice.
 */
const shared = {
  include: ['test/**/*.test.ts'],
  exclude: ['test/interop/**', 'node_modules/**', 'dist/**'],
  testTimeout: 30_000,
  hookTimeout: 30_000,
  pool: 'forks' as const,
  setupFiles: ['test/support/wasm-guard.ts'],
};
const forced = process.env.DEVP2P_CRYPTO;
const backends = forced ? [forced] : ['fast', 'pure'];

export default defineConfig({
  test: {
    // The package tests (npm pack, an installed tarball) do not depend on the backend: they run once.
    projects: backends.map((name, i) => ({ test: { ...shared, name, env: { DEVP2P_CRYPTO: name }, exclude: i === 0 ? shared.exclude : [...shared.exclude, 'test/package/**'] } })),
  },
});
