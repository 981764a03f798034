import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv, type Env } from '../src/config/env.ts';
import { AuthError } from '../src/errors.ts';
import type { CheckTarget } from '../connectors/salesforce/check-salesforce.ts';
import { formatDoctorReport, runDoctor, type RemoteChecks } from './doctor.ts';

/*
 * The eviction-policy check needs a Redis with another policy. Changing the shared test Redis
 * would race with other test files that read the policy (/readyz), so a private redis-server is
 * started when the binary is there; otherwise the shared one is changed and restored in finally.
 */
const SHARED = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let privateServer: ChildProcess | undefined;
let url = SHARED;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  if (spawnSync('redis-server', ['--version']).status !== 0) return;
  const port = await freePort();
  privateServer = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  url = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.quit();
      return;
    } catch (err) {
      probe.disconnect();
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});
afterAll(() => {
  privateServer?.kill();
});

function env(over: Record<string, string> = {}): Env {
  const r = parseEnv({
    PARTNER_CENTER_CLIENT_ID: 'app-id',
    TOKEN_CACHE_KEY: Buffer.alloc(32, 7).toString('base64'),
    SALESFORCE_CLIENT_ID: 'sf-id',
    SALESFORCE_USERNAME: 'sync@example.com',
    SALESFORCE_PRIVATE_KEY_FILE: '/nonexistent.pem',
    REDIS_URL: url,
    ...over,
  });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.env;
}

const salesforce: CheckTarget = {
  apiVersion: '62.0',
  signIn: async () => ({ instanceUrl: 'https://contoso.my.salesforce.example', userId: '005', orgId: '00D' }),
  describe: async () => ({
    name: 'Opportunity',
    fields: [{ name: 'Referral_Id__c', externalId: true, unique: true, updateable: true, createable: true }],
  }),
  requiredFields: () => [
    { object: 'Opportunity', field: 'Referral_Id__c', role: 'external-id', purpose: 'upsert key' },
    { object: 'Opportunity', field: 'Missing__c', role: 'writable', purpose: 'status' },
  ],
};
const remotes = (tokens: RemoteChecks['tokens']) => async (): Promise<RemoteChecks> => ({ tokens, salesforce });
const signedOut = { getAccessToken: () => Promise.reject(new AuthError('no saved Partner Center sign-in was found')) };
const signedIn = { getAccessToken: async () => 'token' };

async function withPolicy<T>(policy: string, fn: () => Promise<T>): Promise<T> {
  const redis = new Redis(url);
  const [, before] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
  try {
    await redis.config('SET', 'maxmemory-policy', policy);
    return await fn();
  } finally {
    await redis.config('SET', 'maxmemory-policy', before);
    await redis.quit();
  }
}

describe('doctor', () => {
  it('reports an evicting Redis policy as a failure, with the fix', async () => {
    const report = await withPolicy('allkeys-lru', () => runDoctor(env(), { remotes: remotes(signedIn) }));
    expect(report.failed).toBe(true);
    expect(report.lines.find((l) => l.check === 'Redis maxmemory-policy')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/allkeys-lru.*noeviction/),
    });
  });

  it('passes noeviction, warns about AOF off, tells a signed-out admin to log in, and checks each configured field', async () => {
    const progress: string[] = [];
    const report = await withPolicy('noeviction', () =>
      runDoctor(env(), { remotes: remotes(signedOut), progress: (t) => progress.push(t) }),
    );
    const byCheck = Object.fromEntries(report.lines.map((l) => [l.check, l]));
    expect(byCheck['mapping file']).toMatchObject({ status: 'ok' });
    expect(byCheck['Redis maxmemory-policy']).toMatchObject({ status: 'ok', detail: 'noeviction' });
    expect(byCheck['Redis persistence']).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('appendonly yes'),
    });
    expect(byCheck['Partner Center sign-in']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('referral-sync login'),
    });
    expect(byCheck['Salesforce sign-in']).toMatchObject({ status: 'ok' });
    expect(byCheck['Salesforce field Opportunity.Referral_Id__c']).toMatchObject({ status: 'ok' });
    expect(byCheck['Salesforce field Opportunity.Missing__c']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('missing'),
    });
    expect(report.failed).toBe(true);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(formatDoctorReport(report)).toMatch(/^\[fail\] +Partner Center sign-in/m);
  });

  it('says how to start Redis when it is not reachable, and skips what needs it', async () => {
    const report = await runDoctor(env({ REDIS_URL: 'redis://127.0.0.1:1', TOKEN_CACHE_LOCATION: 'redis' }), {
      remotes: remotes(signedIn),
    });
    expect(report.lines.find((l) => l.check === 'Redis')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('redis-server'),
    });
    expect(report.lines.find((l) => l.check === 'Partner Center sign-in')).toMatchObject({ status: 'skip' });
  });

  it('reports a connector that cannot be set up as one failed line, and still checks the rest', async () => {
    // env() names a Salesforce key file that does not exist: building the real connectors fails.
    const report = await withPolicy('noeviction', () => runDoctor(env()));
    const byCheck = Object.fromEntries(report.lines.map((l) => [l.check, l]));
    expect(byCheck['CRM connectors']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('SALESFORCE_PRIVATE_KEY_FILE'),
    });
    expect(byCheck['Redis maxmemory-policy']).toMatchObject({ status: 'ok' });
    expect(byCheck['Partner Center sign-in']).toBeDefined();
    expect(byCheck.Salesforce).toMatchObject({
      status: 'skip',
      detail: expect.stringContaining('could not be set up'),
    });
    expect(report.failed).toBe(true);
  });

  it('names every mapping problem', async () => {
    const report = await runDoctor(env({ MAPPING_FILE: '/nonexistent/mapping.yaml' }), { remotes: remotes(signedIn) });
    expect(report.lines.find((l) => l.check === 'mapping file')).toMatchObject({ status: 'fail' });
    expect(report.failed).toBe(true);
  });
});
