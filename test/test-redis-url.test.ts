import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

/*
 * Tests run against another Redis with TEST_REDIS_URL (#18): no test names the shared Redis's
 * address except as the fallback of TEST_REDIS_URL. (Fault tests start private redis-servers on
 * free ports; those addresses are not 6379.) Not REDIS_URL: in a shell that usually points at a
 * deployment's Redis, which tests must never write to by accident.
 */
const root = join(import.meta.dirname, '..');
const testCode = (dir: string): string[] =>
  readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return testCode(path);
    const isTestCode = path.endsWith('.test.ts') || path.startsWith('test/') || /test-redis|harness/.test(path);
    return path.endsWith('.ts') && isTestCode ? [path] : [];
  });

it('tests reach the shared Redis only through TEST_REDIS_URL', () => {
  const bad = ['src', 'connectors', 'jobs', 'test', 'bench'].flatMap((dir) =>
    testCode(dir).flatMap((f) =>
      readFileSync(join(root, f), 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${f}:${i + 1}` }))
        .filter(({ line }) => /(127\.0\.0\.1|localhost):6379/.test(line) && !line.includes('TEST_REDIS_URL'))
        .map(({ at }) => at),
    ),
  );
  expect(bad).toEqual([]);
});
