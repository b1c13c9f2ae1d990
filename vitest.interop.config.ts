import { defineConfig } from 'vitest/config';

/** Interop tests against real clients built from Go modules (npm run test:interop). */
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 1_200_000, // a cold geth build takes minutes
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['test/interop/report-setup.ts'],
  },
});
