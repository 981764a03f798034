import { describe, expect, it } from 'vitest';
import { makeReferral } from '../../test/fakes/partner-center/fixtures.ts';
import { browserSuite } from '../../test/integration/browser-suite.ts';
import { AUTH, bearer, TOKENS } from '../../test/integration/dashboard-stack.ts';

/*
 * Issue 18: the response-time report page in real Chromium, under the dashboard's CSP (scripts
 * from our origin only). Two sellers: Ann accepted hers 6 h after it came in (pushed by us),
 * Bob's was declined in Partner Center after 100 h.
 */
const suite = browserSuite();

const H = 3_600_000;
const base = Date.now() - 10 * 24 * H;
const iso = (hours: number) => new Date(base + hours * H).toISOString();
const team = (email: string) => [{ id: 'm1', firstName: 'S', lastName: 'P', email, phoneNumber: null }];

describe('response-time report page', () => {
  it('shows the figures per owner and draws the charts', async () => {
    const ds = await suite.dashboard({ server: { auth: AUTH } });
    const ann = makeReferral({
      status: 'Active',
      substatus: 'Accepted',
      createdDateTime: iso(0),
      team: team('ann@partner.example'),
    });
    const bob = makeReferral({
      status: 'Closed',
      substatus: 'Declined',
      createdDateTime: iso(0),
      updatedDateTime: iso(100),
      team: team('bob@partner.example'),
    });
    await ds.seed([ann, bob]);
    await ds.source.outbound.audit({
      at: iso(6),
      referralId: ann.id,
      side: 'crm',
      action: 'accept',
      from: 'New/Pending',
      to: 'Active/Accepted',
      result: 'pushed',
    });

    const errors: string[] = [];
    const page = await suite.browser.context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    // Chromium asks for /favicon.ico on its own; every resource the page names must load.
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`);
    });
    await page.setExtraHTTPHeaders(bearer(TOKENS.viewer));
    await page.goto(`${ds.server.url}/report?days=30`);

    expect(await page.locator('#report tr[data-owner="(all)"]').innerText()).toMatch(
      /^\(all\)\s+2\s+2\s+1\s+1\s+53\s+100\b/,
    );
    expect(await page.locator('#report tr[data-owner="ann@partner.example"]').innerText()).toMatch(
      /\s1\s+1\s+1\s+0\s+6\s+6\s+100\b/,
    );
    await expect.poll(() => page.locator('body').getAttribute('data-charts')).toBe('ready');
    const drawn = await page.evaluate('Chart.getChart(document.getElementById("chart-times"))?.data.labels');
    expect(drawn).toEqual(['(all)', 'ann@partner.example', 'bob@partner.example']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says what is wrong with a bad period', async () => {
    const ds = await suite.dashboard({ server: { auth: AUTH } });
    const page = await suite.browser.context.newPage();
    await page.setExtraHTTPHeaders(bearer(TOKENS.viewer));
    const res = await page.goto(`${ds.server.url}/report?days=soon`);
    expect(res?.status()).toBe(400);
    expect(await page.locator('main').innerText()).toContain('--days takes a whole number');
    await page.close();
  });
});
