import { mkdtemp, mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openTokenCacheStore } from './token-cache-store.ts';

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

it('tightens an existing cache directory to 0700 when it saves (#14)', async () => {
  root = await mkdtemp(join(tmpdir(), 'rs-cache-'));
  const dir = join(root, 'cache');
  await mkdir(dir, { mode: 0o755 });
  await openTokenCacheStore({ kind: 'file', path: join(dir, 'msal.bin') }).save('blob');
  expect((await stat(dir)).mode & 0o777).toBe(0o700);
  expect((await stat(join(dir, 'msal.bin'))).mode & 0o777).toBe(0o600);
});
