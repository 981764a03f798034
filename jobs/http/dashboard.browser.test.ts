import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { makeReferral } from '../../test/fakes/partner-center/fixtures.ts';
import { browserSuite } from '../../test/integration/browser-suite.ts';
import { AUTH, bearer, TOKENS } from '../../test/integration/dashboard-stack.ts';
import { syncJobId } from '../queues.ts';
import { startHttpServer } from './server.ts';

const suite = browserSuite();

async function pageAs(token: string | null): Promise<Page> {
  const page = await suite.browser.context.newPage();
  await page.setExtraHTTPHeaders(token ? bearer(token) : {});
  return page;
}

const row = (page: Page, id: string) => page.locator(`#parked tr[data-referral="${id}"]`);

describe('dashboard in a browser', () => {
  it('shows seeded referrals and the parked ones; an operator replays one and it leaves the list', async () => {
    const ds = await suite.dashboard({ server: { auth: AUTH } });
    const kestrel = makeReferral({ name: 'Kestrel Freight rollout' });
    const lakeshore = makeReferral({ name: 'Lakeshore Dental migration' });
    const broken = { ...makeReferral(), details: { dealValue: 'about 50k' } };
    await ds.seed([kestrel, lakeshore, broken]);
    // A referral parked by a CRM outage: Partner Center still has it, so a replay syncs it.
    await ds.source.parking.park({
      referralId: kestrel.id,
      reason: 'gave up after 3 attempts: Salesforce 503',
      stage: 'crm',
      at: new Date().toISOString(),
    });

    const page = await pageAs(TOKENS.operator);
    await page.goto(ds.server.url);
    await expect.poll(() => page.locator('#at-risk').innerText()).toContain('Lakeshore Dental migration');
    expect(await page.locator('#pipeline tr[data-status="New"]').innerText()).toMatch(/New\s+2\s+2/);
    await expect.poll(() => row(page, String(broken.id)).innerText()).toMatch(/validate.*dealValue/s);
    expect(await row(page, kestrel.id).innerText()).toContain('Salesforce 503');

    await row(page, kestrel.id).getByRole('button', { name: 'Replay' }).click();
    await page.waitForURL(/replayed=/);
    expect(await page.locator('#flash').innerText()).toBe(`Queued ${kestrel.id} for a fresh sync. Follow the replay`);
    expect(await row(page, kestrel.id).count()).toBe(0);
    expect(await row(page, String(broken.id)).count()).toBe(1);
    const jobs = await ds.stack.rt.syncQueue.getJobs(['waiting', 'active', 'prioritized', 'delayed', 'completed']);
    expect(jobs.some((j) => j.id?.startsWith(`${syncJobId(kestrel.id, 'replay')}-`))).toBe(true);
    expect(ds.stack.logs.text()).toMatch(
      new RegExp(`"action":"replay","referralId":"${kestrel.id}","user":"ops-test"`),
    );
    await page.close();
  });

  it('a viewer sees no Replay button, and a replay posted from the page gets 403', async () => {
    const ds = await suite.dashboard({ server: { auth: AUTH } });
    const r = makeReferral();
    await ds.seed([r]);
    await ds.source.parking.park({
      referralId: r.id,
      reason: 'mapping: CloseDate missing',
      stage: 'map',
      at: new Date().toISOString(),
    });
    const page = await pageAs(TOKENS.viewer);
    await page.goto(ds.server.url);
    expect(await row(page, r.id).innerText()).toContain('replay and dismiss need the operator role');
    expect(await row(page, r.id).getByRole('button').count()).toBe(0);
    const status = await page.evaluate(
      async (id) => (await fetch(`/referrals/${id}/replay`, { method: 'POST' })).status,
      r.id,
    );
    expect(status).toBe(403);
    expect(await ds.source.parking.list()).toHaveLength(1);
    await page.goto(`${ds.server.url}/queues`);
    await expect.poll(() => page.locator('body').innerText(), { timeout: 10_000 }).toContain('push-salesforce');
    await page.close();
  });

  it('renders bull-board under its Content-Security-Policy; only the Google Fonts stylesheet is refused (#14)', async () => {
    const ds = await suite.dashboard({ server: { auth: AUTH } });
    const page = await pageAs(TOKENS.operator);
    const refused: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/.test(m.text())) refused.push(m.text());
    });
    const res = await page.goto(`${ds.server.url}/queues/admin/queue/sync`);
    expect(res?.headers()['content-security-policy']).toMatch(/script-src 'self';.*base-uri 'self'/);
    await expect.poll(() => page.locator('body').innerText(), { timeout: 10_000 }).toContain('push-salesforce');
    await expect.poll(() => page.locator('body').innerText(), { timeout: 10_000 }).toMatch(/COMPLETED/i);
    expect(refused.filter((t) => !t.includes('https://fonts.googleapis.com/'))).toEqual([]);
    await page.close();
  });

  it('refuses to start beyond loopback without a token; with one, answers 401 without it', async () => {
    await expect(
      startHttpServer({} as Parameters<typeof startHttpServer>[0], { host: '0.0.0.0', port: 0 }),
    ).rejects.toThrow(/without authentication/);
    const ds = await suite.dashboard({ server: { host: '0.0.0.0', auth: AUTH } });
    const url = `http://127.0.0.1:${ds.server.port}/`;
    const anonymous = await pageAs(null);
    expect((await anonymous.goto(url))?.status()).toBe(401);
    expect(await anonymous.locator('body').innerText()).toBe('authentication required');
    const operator = await pageAs(TOKENS.operator);
    expect((await operator.goto(url))?.status()).toBe(200);
    expect(await operator.locator('header .who').innerText()).toBe('ops-test (operator)');
    await Promise.all([anonymous.close(), operator.close()]);
  });
});
