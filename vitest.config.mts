import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Type-aware linting builds TypeScript programs: long first cases, and memory per worker.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
