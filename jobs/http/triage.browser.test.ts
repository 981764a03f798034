import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { makeReferral } from '../../test/fakes/partner-center/fixtures.ts';
import { browserSuite } from '../../test/integration/browser-suite.ts';
import { AUTH, bearer, TOKENS } from '../../test/integration/dashboard-stack.ts';

/* Issue 18, triage on the dashboard: search, the parked referral's page, charts, times. */

const suite = browserSuite();

async function operatorPage(): Promise<Page> {
  const page = await suite.browser.context.newPage();
  await page.setExtraHTTPHeaders(bearer(TOKENS.operator));
  return page;
}

const customer = (name: string) => {
  const r = makeReferral();
  return { ...r, customerProfile: { ...r.customerProfile, name } };
};
/** Fails the referral schema as the demo's malformed referral does (a deal value in words). */
const malformed = () => {
  const r = customer('Quillon Robotics GmbH');
  return { ...r, name: 'Quillon arm fleet', details: { ...r.details, dealValue: 'about 50k' } };
};

describe('triage on the dashboard (issue 18)', () => {
  it('search by customer name finds the referral', async () => {
    const ds = await suite.dashboard({ server: { auth: AUTH } });
    const wanted = customer('Zephyrine Kestrel Freight');
    await ds.seed([wanted, customer('Lakeshore Dental'), customer('Harbor Bakery')]);
    const page = await operatorPage();
    await page.goto(ds.server.url);
    await page.getByLabel('search').fill('kestrel freight');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.waitForURL(new RegExp(`/referrals/${wanted.id}$`));
    expect(await page.locator('#summary').innerText()).toContain('Zephyrine Kestrel Freight');
    await page.close();
  });

  it('lists every match of a name several referrals share', async () => {
    const ds = await suite.dashboard({ server: { auth: AUTH } });
    const a = customer('Northwind Traders');
    const b = { ...customer('Contoso'), name: 'Northwind migration for Contoso' };
    await ds.seed([a, b, customer('Fabrikam')]);
    const page = await operatorPage();
    await page.goto(`${ds.server.url}/referrals?q=NORTHWIND`);
    const ids = await page
      .locator('#search-results tr[data-referral]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-referral')));
    expect(ids.sort()).toEqual([a.id, b.id].sort());
    await page.close();
  });

  it("a parked referral's page shows the field, the masked value and the hint, and says when a replay parks it again", async () => {
    const ds = await suite.dashboard({ server: { auth: AUTH } });
    const broken = malformed();
    await ds.seed([broken, customer('Lakeshore Dental')]);
    const page = await operatorPage();
    // Found by its customer name, though it never reached the referral store.
    await page.goto(`${ds.server.url}/referrals?q=quillon`);
    await page.waitForURL(new RegExp(`/referrals/${broken.id}$`));
    const detail = page.locator('#parked-detail');
    expect(await detail.locator('tr[data-row="Stage"] td').innerText()).toBe('validate');
    expect(await detail.locator('tr[data-row="Field"] td').innerText()).toBe('details.dealValue');
    expect(await detail.locator('tr[data-row="Value"] td').innerText()).toBe('"about 50k"');
    expect(await detail.locator('tr[data-row="Times parked"] td').innerText()).toBe('1');
    expect(await detail.locator('tr[data-row="What to do"] td').innerText()).toMatch(/corrected in Partner Center/);
    expect(await page.locator('#summary').innerText()).toContain('Quillon Robotics GmbH');

    await page.getByRole('button', { name: 'Replay' }).click();
    // Partner Center still sends the bad value: the replay's job parks it again, and the page says so.
    await expect.poll(() => page.locator('#parked-again').count(), { timeout: 30_000, interval: 250 }).toBe(1);
    expect(await page.locator('#parked-again').innerText()).toMatch(
      /Parked again after the replay .* attempt 2, validate/s,
    );
    expect(await detail.locator('tr[data-row="Times parked"] td').innerText()).toBe('2');
    expect(
      await page
        .locator('#park-history tr[data-kind]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind'))),
    ).toEqual(['parked', 'replayed', 'parked']);
    await page.close();
  });

  it('a replay from the parked list links to the referral page, which shows it parked again', async () => {
    const ds = await suite.dashboard({ server: { auth: AUTH } });
    const broken = malformed();
    await ds.seed([broken]);
    const page = await operatorPage();
    await page.goto(ds.server.url);
    await page.locator(`#parked tr[data-referral="${broken.id}"]`).getByRole('button', { name: 'Replay' }).click();
    await page.locator('#flash').getByRole('link', { name: 'Follow the replay' }).click();
    await page.waitForURL(new RegExp(`/referrals/${broken.id}\\?replayed=`));
    await expect.poll(() => page.locator('#parked-again').count(), { timeout: 30_000, interval: 250 }).toBe(1);
    expect(await page.locator('#parked-again').innerText()).toMatch(/attempt 2, validate/);
    await page.close();
  });

  it('dismissing from the referral page records who and why, and the page says so', async () => {
    const ds = await suite.dashboard({ server: { auth: AUTH } });
    const broken = malformed();
    await ds.seed([broken]);
    const page = await operatorPage();
    await page.goto(`${ds.server.url}/referrals/${broken.id}`);
    await page.getByLabel('reason').fill('test referral from the partner team');
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.waitForURL(new RegExp(`/referrals/${broken.id}\\?dismissed=`));
    expect(await page.locator('#dismissed-note').innerText()).toMatch(
      /Dismissed .* by token:ops-test: test referral from the partner team\. It was parked \(validate\)/,
    );
    expect(await page.locator('#parked-detail').count()).toBe(0);
    await page.close();
  });

  it('a replay that syncs says so on the page', async () => {
    const ds = await suite.dashboard({ server: { auth: AUTH } });
    const r = customer('Orchard Cycles');
    await ds.seed([r]);
    await ds.source.parking.park({
      referralId: r.id,
      reason: 'gave up after 5 attempts: Salesforce 503',
      stage: 'crm',
      at: new Date().toISOString(),
    });
    const page = await operatorPage();
    await page.goto(`${ds.server.url}/referrals/${r.id}`);
    expect(await page.locator('#parked-detail tr[data-row="What to do"] td').innerText()).toMatch(/temporary error/);
    await page.getByRole('button', { name: 'Replay' }).click();
    await expect
      .poll(
        () =>
          page
            .locator('#replay-state')
            .innerText()
            .catch(() => ''),
        { timeout: 30_000, interval: 250 },
      )
      .toMatch(/synced\.$/);
    expect(await page.locator('#parked-detail').count()).toBe(0);
    await page.close();
  });

  it('draws the queue health charts with data points from the recorded series', async () => {
    const ds = await suite.dashboard({ server: { auth: AUTH } });
    await ds.seed([customer('Alpine Ski Rental'), customer('Bluebird Cafe'), malformed()]);
    // One pull through its queue, as the schedule runs it: the last successful pull is shown.
    const pull = await ds.stack.rt.pullQueue.add('pull', {});
    await expect.poll(() => pull.getState(), { timeout: 20_000, interval: 200 }).toBe('completed');
    const page = await operatorPage();
    await page.goto(ds.server.url);
    type ChartGlobal = { getChart(el: unknown): { data: { datasets: { data: (number | null)[] }[] } } | undefined };
    /** The sum of one dataset's points as Chart.js holds them in the page. */
    const sumOf = (id: string, dataset: number) =>
      page.locator(`#${id}`).evaluate((canvas, i) => {
        const chart = (globalThis as unknown as { Chart: ChartGlobal }).Chart.getChart(canvas);
        return (chart?.data.datasets[i]?.data ?? []).reduce<number>((t, n) => t + (n ?? 0), 0);
      }, dataset);
    await page.locator('#chart-throughput[data-chart="ready"]').waitFor();
    expect(await page.locator('#chart-throughput').getAttribute('data-points')).toBe('288');
    expect(await sumOf('chart-throughput', 0)).toBeGreaterThanOrEqual(2); // synced
    expect(await sumOf('chart-errors', 1)).toBe(1); // parked
    for (const id of ['chart-errors', 'chart-depth', 'chart-oldest'])
      expect(await page.locator(`#${id}`).getAttribute('data-chart')).toBe('ready');
    expect(await page.locator('#last-runs tr[data-queue="pull"] td.ok time').count()).toBe(1);
    await page.close();
  });

  it('shows times as a distance from now in TIME_ZONE, with the ISO value on hover', async () => {
    const ds = await suite.dashboard({ server: { auth: AUTH } });
    ds.source.atRisk.timeZone = 'Europe/Berlin';
    const r = customer('Cobalt Mining');
    await ds.seed([r]);
    await ds.source.parking.park({
      referralId: r.id,
      reason: 'mapping: CloseDate missing',
      stage: 'map',
      at: '2026-01-15T09:30:00.000Z',
    });
    const page = await operatorPage();
    await page.goto(ds.server.url);
    const cell = page.locator(`#parked tr[data-referral="${r.id}"] time`);
    expect(await cell.innerText()).toMatch(/^\d+ d( \d+ h)? ago · 15 Jan 10:30 CET$/);
    await cell.hover();
    expect(await cell.getAttribute('title')).toBe('2026-01-15T09:30:00.000Z');
    await page.close();
  });

  it('the at-risk list shows what needs action, with "show all"', async () => {
    const ds = await suite.dashboard({ server: { auth: AUTH } });
    const hours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
    const soon = { ...customer('Soon Ltd'), status: 'New', expirationDateTime: hours(30) };
    const later = { ...customer('Later Ltd'), status: 'New', expirationDateTime: hours(200) };
    await ds.seed([soon, later]);
    const page = await operatorPage();
    await page.goto(ds.server.url);
    const ids = () => page.locator('#at-risk tr td:nth-child(3)').allInnerTexts();
    expect(await ids()).toEqual([soon.id]);
    await page.locator('#at-risk-toggle').click();
    await page.waitForURL(/atRisk=all/);
    expect(await ids()).toEqual([soon.id, later.id]);
    await page.close();
  });

  it('links the dashboard and the queue board both ways', async () => {
    const ds = await suite.dashboard({ server: { auth: AUTH } });
    const page = await operatorPage();
    await page.goto(ds.server.url);
    await page.locator('header').getByRole('link', { name: 'Queues' }).click();
    await page.waitForURL(/\/queues\/admin/);
    // bull-board lists its miscLinks in the header's menu.
    await page.locator('header [aria-haspopup="menu"]').click();
    await page.getByRole('menuitem', { name: 'Referrals dashboard' }).click();
    await page.waitForURL(`${ds.server.url}/`);
    expect(await page.locator('#pipeline, main').first().count()).toBe(1);
    await page.close();
  });
});
