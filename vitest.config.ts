import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{src,connectors,jobs,test}/**/*.test.ts'],
    // Integration tests share one Redis; files run in parallel but each uses its own key prefix.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
