import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Browser tests drive Debian's chromium (test/integration/chromium.ts). Without it they are left
// out with one line saying so, except in CI (CI=true), where a missing Chromium must fail them.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skipBrowserTests = !existsSync(chromium) && process.env.CI !== 'true';
if (skipBrowserTests) {
  process.stderr.write(
    `browser tests (*.browser.test.ts) skipped: no Chromium at ${chromium}; ` +
      'install it (apt-get install chromium) or set CHROMIUM_PATH to run them\n',
  );
}

export default defineConfig({
  test: {
    include: ['{src,connectors,jobs,test}/**/*.test.ts'],
    ...(skipBrowserTests ? { exclude: ['**/node_modules/**', '**/*.browser.test.ts'] } : {}),
    // Integration tests share one Redis; files run in parallel but each uses its own key prefix.
    // Generous: a 2-core CI machine running every file in parallel stretches the fault tests
    // (rate-limit storm: 8 s alone, past 30 s under load). Tests wait for states, never sleep.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
