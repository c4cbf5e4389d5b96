import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Type-aware linting builds TypeScript programs: long first cases, and memory per worker.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: {
      // With CI=true, typescript-eslint assumes a one-shot CLI run and never updates its programs, so a
      // second lint of changed text (the passes of --fix through the API) would see stale types.
      TSESTREE_SINGLE_RUN: 'false',
    },
  },
});
