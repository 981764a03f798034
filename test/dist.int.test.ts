import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL } from './integration/harness.ts';

/*
 * The package as installed: tsc builds dist/ (tsconfig.build.json) into a scratch copy of the
 * package, and bin/referral-sync.js runs it with a loader hook that refuses tsx, esbuild,
 * TypeScript and any .ts file, so nothing can be compiled at run time (#14, #18).
 */
const root = join(import.meta.dirname, '..');
let dir: string;

const NO_COMPILER_HOOK = `
export async function resolve(specifier, context, next) {
  if (/^(tsx|esbuild|typescript)(\\/|$)/.test(specifier)) throw new Error('not loadable here: ' + specifier);
  const r = await next(specifier, context);
  if (/\\.[cm]?ts$/.test(r.url) || /\\/node_modules\\/(tsx|esbuild|typescript)\\//.test(r.url))
    throw new Error('the build loaded ' + r.url);
  return r;
}`;

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', join(dir, 'no-compiler.mjs'), ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'referral-sync-dist-'));
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(dir, 'dist')],
    { cwd: root, encoding: 'utf8' },
  );
  expect(tsc.stdout + tsc.stderr).toBe('');
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  cpSync(join(root, 'bin'), join(dir, 'bin'), { recursive: true });
  symlinkSync(join(root, 'config'), join(dir, 'config'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(
    join(dir, 'no-compiler.mjs'),
    `import { register } from 'node:module';\nregister('data:text/javascript,' + encodeURIComponent(${JSON.stringify(NO_COMPILER_HOOK)}));\n`,
  );
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the built package (dist/)', () => {
  it('cannot load tsx in these runs (the check below is real)', () => {
    const r = run(['--input-type=module', '-e', "await import('tsx/esm/api')"]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('not loadable here: tsx/esm/api');
  });

  it('runs referral-sync --help from compiled JavaScript', () => {
    const r = run(['bin/referral-sync.js', '--help']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\s+status\b/m);
  });

  it('runs status against Redis with only REDIS_URL and REDIS_PREFIX set', () => {
    const r = run(['bin/referral-sync.js', 'status'], { REDIS_URL, REDIS_PREFIX: `dist-${process.pid}` });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/pull checkpoint: none/);
  });

  it("carries the dashboard's browser scripts, which the pages load from next to their code", () => {
    const r = run([
      '--input-type=module',
      '-e',
      "import { existsSync } from 'node:fs'; for (const f of ['dist/jobs/http/dashboard-charts.js', 'dist/jobs/http/client/report-charts.js']) if (!existsSync(f)) { console.error('missing ' + f); process.exit(1); }",
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });
});
