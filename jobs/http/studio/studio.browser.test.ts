import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { makeReferral } from '../../../test/fakes/partner-center/fixtures.ts';
import { browserSuite } from '../../../test/integration/browser-suite.ts';
import { AUTH, STUDIO_FILE, bearer, TOKENS } from '../../../test/integration/dashboard-stack.ts';
import { syncOnce } from '../../sync-once.ts';

/*
 * Issue 17 end to end in Chromium: an operator maps a custom field in the studio, sees the typo
 * at its line, fixes it, previews a referral, saves; the running worker's next sync writes the
 * field with the new version, no restart.
 */

const suite = browserSuite();

// A line only the opportunity's fields have (the Lead section repeats the Referral_* ones).
const ANCHOR = 'Amount: { from: details.dealValue, format: number }';

/**
 * Puts the cursor at the end of the editor line holding `match`, found with the editor's own
 * search (CodeMirror draws only the lines in view, so a far line may not be in the page yet).
 */
async function endOfLineWith(page: Page, match: string) {
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+f');
  const search = page.locator('.cm-search input[name="search"]');
  await search.pressSequentially(match);
  await search.press('Enter');
  await search.press('Escape');
  await page.keyboard.press('End');
}

/** Replaces the text of the editor line holding `match` with `text` (typed, as a person would). */
async function retype(page: Page, match: string, text: string) {
  await endOfLineWith(page, match);
  await page.keyboard.press('Shift+Home');
  await page.keyboard.type(text);
  await page.keyboard.press('Escape');
}

describe('mapping studio in a browser', () => {
  it('edit, error at its line, fix, preview, save; the next sync uses the new version', async () => {
    const ds = await suite.dashboard({ server: { auth: AUTH }, studio: {} });
    const r = makeReferral({ name: 'Kestrel Freight rollout' });
    await ds.seed([r]);
    const country = String(r.customerProfile?.address?.country);
    const page = await suite.browser.context.newPage();
    await page.setExtraHTTPHeaders(bearer(TOKENS.operator));
    await page.goto(`${ds.server.url}/mapping`);
    await expect.poll(() => page.locator('#check-status').innerText(), { timeout: 20_000 }).toBe('No problems.');

    // A new custom field, with a typo in the rule's key.
    await endOfLineWith(page, ANCHOR);
    await page.keyboard.press('Enter');
    await page.keyboard.type('Region__c: { form: customerProfile.address.country');
    await page.keyboard.press('Escape');
    const line = (await readFile(STUDIO_FILE, 'utf8')).split('\n').findIndex((l) => l.includes(ANCHOR)) + 2;
    await expect
      .poll(() => page.locator('#problems').innerText())
      .toContain(`line ${line}: salesforce.fields.Region__c.form: unknown key (did you mean "from"?)`);
    expect(await page.locator('.cm-lintRange-error').count()).toBeGreaterThan(0);

    await retype(page, 'Region__c', 'Region__c: { from: customerProfile.address.country');
    await expect.poll(() => page.locator('#check-status').innerText()).toBe('No problems.');
    expect(await page.locator('#problems li').count()).toBe(0);

    await page.locator('#preview-q').fill('Kestrel');
    await page.locator('#preview-run').click();
    const row = page.locator('#preview-fields tr[data-field="Region__c"]');
    await expect.poll(() => row.innerText()).toContain(country);
    expect(await row.innerText()).toContain('changed by this edit');
    expect(await page.locator('#preview-route').innerText()).toContain('Goes to salesforce');

    await page.locator('#save-comment').fill('map the customer country');
    await page.locator('#save').click();
    await page.waitForURL(/saved=2/);
    expect(await page.locator('#in-force').innerText()).toContain('version 2');
    expect(await page.locator('#history tr[data-version="2"]').innerText()).toContain('map the customer country');
    await page.close();

    // The worker started before the save; the referral changes in Partner Center and syncs again.
    const s = ds.stack;
    s.pc.upsert({ ...s.pc.get(r.id)!, details: { ...r.details, notes: 'scope grew' } });
    await syncOnce(s.rt, { maxWaitMs: 20_000 });
    const opp = s.sf.fake.records('Opportunity').find((o) => o.Referral_Id__c === r.id);
    expect(opp?.Region__c).toBe(country);
    expect((await s.rt.state.get(r.id))?.mappingVersion).toBe(2);
  });

  it('a viewer sees the editor and its checks but no save button', async () => {
    const ds = await suite.dashboard({ server: { auth: AUTH }, studio: {} });
    const page = await suite.browser.context.newPage();
    await page.setExtraHTTPHeaders(bearer(TOKENS.viewer));
    await page.goto(`${ds.server.url}/mapping`);
    await expect.poll(() => page.locator('#check-status').innerText(), { timeout: 20_000 }).toBe('No problems.');
    expect(await page.locator('#save').count()).toBe(0);
    await page.close();
  });
});
