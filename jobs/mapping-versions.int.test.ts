import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, deletePrefix } from '../connectors/redis/connection.ts';
import { createRedisMappingStore } from '../connectors/redis/mapping-store.ts';
import { logCapture, REDIS_URL } from '../test/integration/harness.ts';
import {
  mappingApply,
  mappingDiff,
  mappingHistory,
  mappingRollback,
  type MappingCommandContext,
} from './mapping-command.ts';
import { mappingAtStart, saveMappingVersion, type Deployment } from './mapping-versions.ts';

/* Versions in real Redis: the store's races, the start rule (file vs saved version), and the CLI verbs. */

const redis = connectRedis({ url: REDIS_URL });
const SF: Deployment = { kinds: ['salesforce'], both: false };
let prefix = '';
let dir = '';
let defaultText = '';
const NOW = new Date('2026-01-05T10:00:00Z');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mapping-versions-'));
  defaultText = await readFile('config/mapping.default.yaml', 'utf8');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await redis.quit();
});
afterEach(async () => {
  await deletePrefix(redis, prefix);
});
const fresh = () => {
  prefix = `it-mapv-${Math.random().toString(16).slice(2, 10)}`;
  return createRedisMappingStore(redis, prefix);
};
const fileWith = async (text: string) => {
  const path = join(dir, `m-${Math.random().toString(16).slice(2)}.yaml`);
  await writeFile(path, text);
  return path;
};
const renamed = (text: string) => text.replace('valuesDefault: Prospecting', 'valuesDefault: Discovery');

describe('mapping store', () => {
  it('refuses a save based on a version that is no longer current', async () => {
    const store = fresh();
    const first = await store.save({ text: 'a', author: 'x', comment: '', at: NOW.toISOString(), basedOn: null });
    expect(first).toMatchObject({ ok: true, version: { id: 1, basedOn: null } });
    await store.save({ text: 'b', author: 'y', comment: '', at: NOW.toISOString(), basedOn: 1 });
    const stale = await store.save({ text: 'c', author: 'z', comment: '', at: NOW.toISOString(), basedOn: 1 });
    expect(stale).toEqual({ ok: false, current: 2 });
    expect((await store.list()).map((v) => [v.id, v.text, v.basedOn])).toEqual([
      [2, 'b', 1],
      [1, 'a', null],
    ]);
  });

  it('imports the same file content once, however many workers start with it', async () => {
    const store = fresh();
    const imports = await Promise.all(
      [1, 2, 3].map(() => store.importFile({ text: 'x', hash: 'h1', at: NOW.toISOString(), comment: 'c' })),
    );
    expect(imports.filter((v) => v !== null)).toHaveLength(1);
    expect(await store.currentId()).toBe(1);
  });
});

describe('mapping in force at start', () => {
  const start = (file: string, store: ReturnType<typeof fresh>, log = logCapture().log) =>
    mappingAtStart({ file, store, deployment: SF, log, now: NOW, importFile: true });

  it('imports MAPPING_FILE as version 1 on the first start', async () => {
    const store = fresh();
    const r = await start(await fileWith(defaultText), store);
    expect(r.version).toMatchObject({ id: 1, author: 'MAPPING_FILE', text: defaultText });
  });

  it('keeps a studio save in force while the file is unchanged, and says so', async () => {
    const store = fresh();
    const file = await fileWith(defaultText);
    await start(file, store);
    await store.save({
      text: renamed(defaultText),
      author: 'dashboard:ana',
      comment: 'stage',
      at: NOW.toISOString(),
      basedOn: 1,
    });
    const logs = logCapture();
    const r = await start(file, store, logs.log);
    expect(r.version?.id).toBe(2);
    expect(r.mapping.salesforce?.fields.StageName?.valuesDefault).toBe('Discovery');
    expect(logs.text()).toContain('MAPPING_FILE is unchanged since its import and not used');
  });

  it('imports a file edited after a studio save as the newest version', async () => {
    const store = fresh();
    const file = await fileWith(defaultText);
    await start(file, store);
    await store.save({
      text: renamed(defaultText),
      author: 'dashboard:ana',
      comment: '',
      at: NOW.toISOString(),
      basedOn: 1,
    });
    await writeFile(file, defaultText.replace('maxLength: 120', 'maxLength: 100'));
    const r = await start(file, store);
    expect(r.version).toMatchObject({ id: 3, author: 'MAPPING_FILE', basedOn: 2 });
  });
});

describe('saving a version', () => {
  it('stores nothing when the text fails validation, and names the line', async () => {
    const store = fresh();
    const bad = defaultText.replace('Amount: { from: details.dealValue', 'Amount: { from: details.dealvalue');
    const r = await saveMappingVersion(store, SF, { text: bad, author: 'x', comment: '', basedOn: null, now: NOW });
    expect(r).toMatchObject({ ok: false, reason: 'invalid' });
    const line = bad.split('\n').findIndex((l) => l.includes('details.dealvalue')) + 1;
    expect(r.ok ? [] : 'problems' in r ? r.problems : []).toContainEqual(
      expect.objectContaining({ line, message: expect.stringContaining('did you mean "details.dealValue"') }),
    );
    expect(await store.currentId()).toBeNull();
  });

  it('refuses a version without the section the deployment writes to', async () => {
    const store = fresh();
    const dynamicsOnly =
      defaultText.slice(0, defaultText.indexOf('salesforce:')) + defaultText.slice(defaultText.indexOf('dynamics:'));
    const r = await saveMappingVersion(store, SF, {
      text: dynamicsOnly,
      author: 'x',
      comment: '',
      basedOn: null,
      now: NOW,
    });
    expect(r).toMatchObject({
      ok: false,
      reason: 'invalid',
      problems: [{ message: expect.stringContaining('"salesforce" section') }],
    });
  });
});

describe('mapping CLI verbs', () => {
  const ctx = (store: ReturnType<typeof fresh>): MappingCommandContext => ({
    store,
    deployment: SF,
    file: 'config/mapping.default.yaml',
    author: 'cli:ops',
    now: () => NOW,
  });

  it('apply saves a file as the new version and lists what changed', async () => {
    const c = ctx(fresh());
    await mappingApply(c, 'config/mapping.default.yaml', 'baseline');
    const r = await mappingApply(c, await fileWith(renamed(defaultText)), 'rename stage');
    expect(r.code).toBe(0);
    expect(r.out).toContain('saved mapping version 2');
    expect(r.out).toContain('changed salesforce.fields.StageName');
  });

  it('diff shows the in-force version against a file as a unified diff', async () => {
    const c = ctx(fresh());
    await mappingApply(c, 'config/mapping.default.yaml', '');
    const r = await mappingDiff(c, await fileWith(renamed(defaultText)));
    expect(r.out).toMatch(/^-\s+valuesDefault: Prospecting$/m);
    expect(r.out).toMatch(/^\+\s+valuesDefault: Discovery$/m);
  });

  it('rollback saves an earlier text as a new version; history shows who and why', async () => {
    const c = ctx(fresh());
    await mappingApply(c, 'config/mapping.default.yaml', 'baseline');
    await mappingApply(c, await fileWith(renamed(defaultText)), 'rename stage');
    const r = await mappingRollback(c, '1', 'stage rename confused sellers');
    expect(r.out).toContain('saved mapping version 3');
    expect((await c.store.get(3))?.text).toBe(defaultText);
    const h = await mappingHistory(c);
    expect(h.out.split('\n')[0]).toMatch(/^\*\s+3\s+\S+\s+cli:ops\s+stage rename confused sellers$/);
  });

  it('apply refuses an invalid file with each problem and its line', async () => {
    const c = ctx(fresh());
    const r = await mappingApply(
      c,
      await fileWith(defaultText.replace('      createOnly: true', '      createOnyl: true')),
      '',
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /line \d+: salesforce\.fields\.StageName\.createOnyl: unknown key \(did you mean "createOnly"\?\)/,
    );
    expect(await c.store.currentId()).toBeNull();
  });
});

describe('a file that does not suit the deployment', () => {
  it('is not imported over a saved version, which stays in force', async () => {
    const store = fresh();
    const file = await fileWith(defaultText);
    const log = logCapture();
    await mappingAtStart({ file, store, deployment: SF, log: log.log, now: NOW, importFile: true });
    const dynamicsOnly =
      defaultText.slice(0, defaultText.indexOf('salesforce:')) + defaultText.slice(defaultText.indexOf('dynamics:'));
    await writeFile(file, dynamicsOnly);
    const r = await mappingAtStart({ file, store, deployment: SF, log: log.log, now: NOW, importFile: true });
    expect(r.version?.id).toBe(1);
    expect(log.text()).toContain('MAPPING_FILE does not suit this deployment; not imported');
  });

  it('stops the first start, when there is no version to fall back on', async () => {
    const store = fresh();
    const dynamicsOnly =
      defaultText.slice(0, defaultText.indexOf('salesforce:')) + defaultText.slice(defaultText.indexOf('dynamics:'));
    const file = await fileWith(dynamicsOnly);
    await expect(
      mappingAtStart({ file, store, deployment: SF, log: logCapture().log, now: NOW, importFile: true }),
    ).rejects.toThrow(/has no "salesforce" section/);
    expect(await store.currentId()).toBeNull();
  });
});
