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
      .poll(() => demo?.salesforce.records('Opportunity').length ?? 0, { timeout: 20_000, interval: 250 })
      .toBeGreaterThanOrEqual(14);
    const home = await fetch(demo.dashboardUrl);
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('Parked (dead letters)');
    expect(html).toMatch(/details\.dealValue/); // the malformed referral, parked with its reason
    expect((await fetch(demo.urls.crm)).status).toBe(200);
    expect((await fetch(demo.urls.partnerCenter)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(25_000);

    // Issue 18: the malformed referral's page names the field and value, and a replay that parks it
    // again (Partner Center still sends "about 50k") says so.
    const parkedId = /<table id="parked">[^]*?<tr data-referral="([^"]+)">/.exec(html)?.[1] ?? '';
    const referralPage = `${demo.dashboardUrl}referrals/${parkedId}`;
    const before = await (await fetch(referralPage)).text();
    expect(before).toMatch(/<th>Field<\/th>\s*<td>details\.dealValue<\/td>/);
    expect(before).toMatch(/<th>Value<\/th>\s*<td>&quot;about 50k&quot;<\/td>/);
    expect(before).not.toContain('Not in the referral store');
    const replayed = await fetch(`${referralPage}/replay`, {
      method: 'POST',
      body: 'back=referral',
      redirect: 'manual',
    });
    expect(replayed.headers.get('location')).toBe(`/referrals/${parkedId}?replayed=${parkedId}`);
    await expect
      .poll(async () => (await fetch(referralPage)).text(), { timeout: 20_000, interval: 250 })
      .toMatch(/id="parked-again"[^]*attempt\s+2, validate/);

    await demo.stop();
    demo = undefined;
  });

  it('says how to start Redis when it is not reachable', async () => {
    await expect(runDemo({ redisUrl: 'redis://127.0.0.1:1', handleSignals: false })).rejects.toThrow(
      /Redis is not reachable.*redis-server --daemonize yes/s,
    );
  });
});
