import { afterAll, afterEach, beforeAll } from 'vitest';
import { launchChromium } from './chromium.ts';
import { startDashboardStack, type DashboardStack } from './dashboard-stack.ts';

type Chromium = Awaited<ReturnType<typeof launchChromium>>;

/**
 * What every browser test file needs: one Chromium for the file, and per test a dashboard stack
 * (worker runtime, fakes, HTTP server) that is closed after the test whatever its outcome.
 */
export function browserSuite(): { readonly browser: Chromium; dashboard: typeof startDashboardStack } {
  let browser: Chromium | undefined;
  let stack: DashboardStack | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });
  return {
    get browser() {
      if (!browser) throw new Error('browserSuite: Chromium is not running (used outside a test?)');
      return browser;
    },
    async dashboard(...args) {
      stack = await startDashboardStack(...args);
      return stack;
    },
  };
}
