import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeys, REDIS_URL } from '../test/integration/harness.ts';
import { runDemo, type Demo } from './demo.ts';

const prefix = `demo-test-${randomBytes(4).toString('hex')}`;
let demo: Demo | undefined;
afterAll(async () => {
  await demo?.stop();
  const redis = new Redis(REDIS_URL);
  await deleteKeys(redis, prefix);
  await redis.quit();
});

describe('npm run demo', () => {
  it('syncs seeded referrals into the simulated CRM, serves the dashboard, and stops cleanly', async () => {
    const printed: string[] = [];
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        printed.push(chunk.toString());
        cb();
      },
    });
    const started = Date.now();
    demo = await runDemo({
      redisUrl: REDIS_URL,
      prefix,
      port: 0,
      handleSignals: false,
      trickleMs: 0,
      logLevel: 'silent',
      out,
    });
    expect(printed.join('')).toContain(`Dashboard                 ${demo.dashboardUrl}`);

    await expect
      .poll(() => demo?.salesforce.records('Opportunity').filter((o) => o.Referral_Id__c).length ?? 0, {
        timeout: 20_000,
        interval: 250,
      })
      .toBeGreaterThanOrEqual(14);
    const home = await fetch(demo.dashboardUrl);
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('Parked (dead letters)');
    expect(html).toMatch(/details\.dealValue/); // the malformed referral, parked with its reason
    expect((await fetch(demo.urls.crm)).status).toBe(200);
    expect((await fetch(demo.urls.partnerCenter)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(25_000);

    // A seller shares an opportunity of their own: one referral, linked back (issue 16).
    const own = demo.salesforce.records('Opportunity').find((o) => o.Name === 'Fabrikam data platform');
    const shared = await fetch(`${demo.urls.crm}/${String(own?.Id)}/share`, {
      method: 'POST',
      body: new URLSearchParams({ help: 'Proof of concept/demo' }),
      redirect: 'manual',
    });
    expect(shared.status).toBe(303);
    await expect
      .poll(() => demo?.salesforce.record('Opportunity', String(own?.Id))?.Referral_Id__c, {
        timeout: 20_000,
        interval: 250,
      })
      .toBeTruthy();
    expect(demo.partnerCenter.all().filter((r) => r.externalReferenceId === own?.Id)).toHaveLength(1);

    await demo.stop();
    demo = undefined;
  });

  it('says how to start Redis when it is not reachable', async () => {
    await expect(runDemo({ redisUrl: 'redis://127.0.0.1:1', handleSignals: false })).rejects.toThrow(
      /Redis is not reachable.*redis-server --daemonize yes/s,
    );
  });
});
