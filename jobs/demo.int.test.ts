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

    // New marketplace and qualified leads land as Leads (the default mapping's leads rule), the rest as opportunities.
    const synced = () =>
      (demo?.salesforce.records('Opportunity').length ?? 0) + (demo?.salesforce.records('Lead').length ?? 0);
    await expect.poll(synced, { timeout: 20_000, interval: 250 }).toBeGreaterThanOrEqual(14);
    expect(demo.salesforce.records('Lead').length).toBeGreaterThan(0);
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

  it('shows a seller converting a Lead: Partner Center then has it accepted (issue 16)', async () => {
    demo = await runDemo({
      redisUrl: REDIS_URL,
      prefix,
      port: 0,
      handleSignals: false,
      trickleMs: 0,
      logLevel: 'silent',
      out: new Writable({ write: (_c, _e, cb) => cb() }),
    });
    const d = demo;
    const open = () =>
      d.salesforce.records('Lead').find((l) => l.Referral_Status__c === 'New' && l.IsConverted !== true);
    await expect.poll(() => open() !== undefined, { timeout: 20_000, interval: 250 }).toBe(true);
    const lead = open();
    const res = await fetch(`${d.urls.crm}/${String(lead?.Id)}/convert`, {
      method: 'POST',
      body: new URLSearchParams({ amount: '42000' }),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    const referralId = String(lead?.Referral_Id__c);
    await expect.poll(() => d.partnerCenter.get(referralId)?.status, { timeout: 20_000, interval: 250 }).toBe('Active');
    expect(d.partnerCenter.get(referralId)?.details).toMatchObject({ dealValue: 42_000 });
    await d.stop();
    demo = undefined;
  });

  it('says how to start Redis when it is not reachable', async () => {
    await expect(runDemo({ redisUrl: 'redis://127.0.0.1:1', handleSignals: false })).rejects.toThrow(
      /Redis is not reachable.*redis-server --daemonize yes/s,
    );
  });
});
