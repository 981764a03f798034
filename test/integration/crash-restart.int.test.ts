import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { makeReferrals } from '../fakes/partner-center/fixtures.ts';
import { startFakePartnerCenter, type FakePartnerCenter } from '../fakes/partner-center/server.ts';
import { startFakeSalesforce, type FakeSalesforce } from '../fakes/salesforce/fake-salesforce.ts';
import { testKeys, TEST_CLIENT_ID, TEST_USERNAME } from '../fakes/salesforce/salesforce-harness.ts';
import { deleteKeys, PC_CLIENT, REDIS_URL } from './harness.ts';

/*
 * kill -9 of a worker process in the middle of a run, then a fresh process: every referral ends
 * in exactly one opportunity and its id is written back to Partner Center exactly once.
 */
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

function startChild(config: object, output: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/worker-child.ts'], {
    env: { ...process.env, WORKER_CHILD_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  cleanup.push(async () => {
    child.kill('SIGKILL');
  });
  return child;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('crash and restart', () => {
  it('kill -9 mid-batch, then restart: no duplicates, nothing missed, each id written back once', async () => {
    const prefix = `crash-${randomBytes(4).toString('hex')}`;
    const redis = new Redis(REDIS_URL);
    const pc: FakePartnerCenter = await startFakePartnerCenter({ ...PC_CLIENT, latencyMs: 5 });
    const keys = testKeys();
    // Latency on Salesforce keeps collection calls in flight long enough to be killed mid-way.
    const sf: FakeSalesforce = await startFakeSalesforce({
      jwt: { clientId: TEST_CLIENT_ID, username: TEST_USERNAME, publicKey: keys.publicKey },
      latencyMs: 150,
    });
    cleanup.push(async () => {
      await deleteKeys(redis, prefix);
      await redis.quit();
      await pc.close();
      await sf.close();
    });
    const referrals = makeReferrals(1000);
    pc.seed(referrals);
    const config = {
      redisUrl: REDIS_URL,
      prefix,
      concurrency: 300,
      pc: { url: pc.url, ...PC_CLIENT, metadata: pc.msalMetadata(pc.tenantId) },
      sf: { url: sf.url, clientId: TEST_CLIENT_ID, username: TEST_USERNAME, privateKey: keys.privateKey },
    };

    const out: string[] = [];
    const first = startChild(config, out);
    await waitFor('the first opportunities', () => sf.records('Opportunity').length >= 200, 60_000);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const afterKill = sf.records('Opportunity').length;
    expect(afterKill).toBeLessThan(1000); // it really died mid-run

    startChild(config, out);
    const open = referrals.filter((r) => r.status !== 'Closed');
    const applied = () => pc.patches.filter((p) => p.outcome === 'applied');
    await waitFor(
      'every opportunity and write-back',
      () => sf.records('Opportunity').length >= 1000 && new Set(applied().map((p) => p.id)).size >= open.length,
      90_000,
    );
    // Let anything still in flight settle, then check nothing more happens.
    await new Promise((r) => setTimeout(r, 1500));

    const opps = sf.records('Opportunity');
    expect(opps).toHaveLength(1000);
    expect(new Set(opps.map((o) => o.Referral_Id__c)).size).toBe(1000);
    const perReferral = new Map<string, number>();
    for (const p of applied()) perReferral.set(p.id, (perReferral.get(p.id) ?? 0) + 1);
    expect(perReferral.size).toBe(open.length);
    expect([...perReferral.values()].filter((n) => n !== 1)).toEqual([]);
    const logged = out.join('');
    for (const token of pc.issuedAccessTokens()) expect(logged).not.toContain(token);
    expect(logged).not.toContain(PC_CLIENT.clientSecret);
  }, 150_000);
});
