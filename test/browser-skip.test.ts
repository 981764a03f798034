import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/*
 * `npm test` on a machine without Chromium (#18): the browser tests are left out with one line
 * saying how to run them; in CI (CI=true) they stay in, so a missing Chromium fails them.
 */
function listFiles(env: Record<string, string>) {
  const { CI: _ci, ...inherited } = process.env;
  const r = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'list', '--filesOnly', 'jobs/http/'], {
    env: { ...inherited, CHROMIUM_PATH: '/nonexistent/chromium', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { files: r.stdout, note: r.stderr };
}

describe('browser tests without Chromium', () => {
  it('are left out with one line saying how to enable them', () => {
    const r = listFiles({});
    expect(r.files).toContain('jobs/http/http.int.test.ts');
    expect(r.files).not.toContain('dashboard.browser.test.ts');
    expect(r.note.trim()).toBe(
      'browser tests (*.browser.test.ts) skipped: no Chromium at /nonexistent/chromium; ' +
        'install it (apt-get install chromium) or set CHROMIUM_PATH to run them',
    );
  });

  it('stay in when CI=true, where a missing Chromium must fail', () => {
    const r = listFiles({ CI: 'true' });
    expect(r.files).toContain('jobs/http/dashboard.browser.test.ts');
    expect(r.note).not.toContain('skipped');
  });
});
