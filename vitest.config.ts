import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{src,connectors,jobs,test}/**/*.test.ts'],
    // Integration tests share one Redis; files run in parallel but each uses its own key prefix.
    // Generous: a 2-core CI machine running every file in parallel stretches the fault tests
    // (rate-limit storm: 8 s alone, past 30 s under load). Tests wait for states, never sleep.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
