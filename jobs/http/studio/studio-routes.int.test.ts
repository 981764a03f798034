import { readFile } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeReferral } from '../../../test/fakes/partner-center/fixtures.ts';
import {
  AUTH,
  bearer,
  startDashboardStack,
  STUDIO_FILE,
  TOKENS,
  type DashboardStack,
} from '../../../test/integration/dashboard-stack.ts';
import { createRedisMappingStore } from '../../../connectors/redis/mapping-store.ts';

/* The studio's routes over real HTTP, Redis and the fake CRM: roles, same-origin, checks, no writes. */

let ds: DashboardStack | undefined;
let text = '';
beforeAll(async () => {
  text = await readFile(STUDIO_FILE, 'utf8');
});
afterEach(async () => {
  await ds?.close();
  ds = undefined;
});

const start = async () => {
  ds = await startDashboardStack({ server: { auth: AUTH }, studio: {} });
  return ds;
};
const store = (s: DashboardStack) => createRedisMappingStore(s.stack.redis, s.stack.prefix);
const post = (s: DashboardStack, path: string, token: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${s.server.url}${path}`, {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const renamed = () => text.replace('valuesDefault: Prospecting', 'valuesDefault: Discovery');

describe('mapping studio routes', () => {
  it('shows a viewer the mapping in force as a table, without a save button', async () => {
    const s = await start();
    const page = await (await fetch(`${s.server.url}/mapping`, { headers: bearer(TOKENS.viewer) })).text();
    expect(page).toMatch(/<tr data-field="StageName">[\s\S]*template <code>\{status\}\/\{substatus\}<\/code>/);
    expect(page).toContain('Saving needs the operator role.');
    expect(page).not.toContain('id="save"');
  });

  it('refuses a save from a viewer (403), and stores nothing', async () => {
    const s = await start();
    const r = await post(s, '/mapping/save', TOKENS.viewer, { text: renamed(), comment: '', basedOn: 1 });
    expect(r.status).toBe(403);
    expect(await store(s).currentId()).toBe(1);
  });

  it('refuses a cross-site save from an operator (403)', async () => {
    const s = await start();
    const r = await post(
      s,
      '/mapping/save',
      TOKENS.operator,
      { text: renamed(), comment: '', basedOn: 1 },
      {
        origin: 'https://evil.example',
      },
    );
    expect(r.status).toBe(403);
    expect(await store(s).currentId()).toBe(1);
  });

  it('refuses an invalid version on the server with its problems at their lines', async () => {
    const s = await start();
    const bad = text.replace('      createOnly: true', '      createOnyl: true');
    const r = await post(s, '/mapping/save', TOKENS.operator, { text: bad, comment: '', basedOn: 1 });
    expect(r.status).toBe(422);
    const line = bad.split('\n').findIndex((l) => l.includes('createOnyl')) + 1;
    expect(((await r.json()) as { problems: unknown[] }).problems).toEqual([
      expect.objectContaining({ line, message: 'unknown key (did you mean "createOnly"?)' }),
    ]);
    expect(await store(s).currentId()).toBe(1);
  });

  it('saves an operator edit as version 2 with who and the comment', async () => {
    const s = await start();
    const r = await post(s, '/mapping/save', TOKENS.operator, { text: renamed(), comment: 'stage', basedOn: 1 });
    expect(r.status).toBe(201);
    expect(await store(s).get(2)).toMatchObject({ author: 'dashboard:ops-test', comment: 'stage', basedOn: 1 });
  });

  it('refuses a save based on a version that is no longer in force (409)', async () => {
    const s = await start();
    await post(s, '/mapping/save', TOKENS.operator, { text: renamed(), comment: '', basedOn: 1 });
    const r = await post(s, '/mapping/save', TOKENS.operator, { text: `${text}\n# other`, comment: '', basedOn: 1 });
    expect(r.status).toBe(409);
  });

  it('checks as a viewer: a misspelled path comes back with its line and a suggestion', async () => {
    const s = await start();
    const bad = text.replace('Amount: { from: details.dealValue', 'Amount: { from: details.dealvalu');
    const r = await post(s, '/mapping/check', TOKENS.viewer, { text: bad });
    const a = (await r.json()) as { ok: boolean; problems: { line: number; message: string }[] };
    expect(a.ok).toBe(false);
    expect(a.problems[0]).toMatchObject({
      line: bad.split('\n').findIndex((l) => l.includes('details.dealvalu')) + 1,
      message: expect.stringContaining('did you mean "details.dealValue"'),
    });
  });

  it('rolls back to version 1 as a new version 3', async () => {
    const s = await start();
    await post(s, '/mapping/save', TOKENS.operator, { text: renamed(), comment: '', basedOn: 1 });
    const r = await fetch(`${s.server.url}/mapping/rollback`, {
      method: 'POST',
      headers: { ...bearer(TOKENS.operator), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'version=1&comment=back',
      redirect: 'manual',
    });
    expect(r.status).toBe(303);
    expect(await store(s).get(3)).toMatchObject({ text, comment: 'back' });
  });
});

describe('preview and impact', () => {
  const writes = (s: DashboardStack) => ({
    crm: s.stack.sf.fake.requests().filter((q) => q.method !== 'GET').length,
    partnerCenter: s.stack.pc.patches.length,
  });

  it('previews a stored referral field by field and writes nothing anywhere', async () => {
    const s = await start();
    const r = makeReferral({ name: 'Kestrel Freight rollout' });
    await s.seed([r]);
    const before = writes(s);
    const res = await post(s, '/mapping/preview', TOKENS.viewer, { text: renamed(), referralId: r.id });
    expect(res.status).toBe(200);
    const p = (await res.json()) as { route: { crm: string }; fields: { name: string; value: unknown }[] };
    expect(p.route.crm).toBe('salesforce');
    expect(p.fields).toContainEqual(expect.objectContaining({ name: 'Name', value: 'Kestrel Freight rollout' }));
    expect(writes(s)).toEqual(before);
  });

  it('counts what a new custom field would change over all stored referrals, writing nothing', async () => {
    const s = await start();
    await s.seed([makeReferral(), makeReferral(), makeReferral()]);
    const before = writes(s);
    const custom = text.replace(
      '    Referral_Category__c: { from: category }',
      '    Referral_Category__c: { from: category }\n    Region__c: { from: customerProfile.address.country }',
    );
    const res = await post(s, '/mapping/impact', TOKENS.viewer, { text: custom });
    expect(await res.json()).toMatchObject({ referrals: 3, changed: 3, fields: { Region__c: 3 }, parked: 0 });
    expect(writes(s)).toEqual(before);
  });
});

describe('live CRM checks', () => {
  it('names a mapped field the org lacks and a stage name its picklist lacks, with suggestions', async () => {
    const s = (ds = await startDashboardStack({ server: { auth: AUTH }, studio: {}, studioCrm: true }));
    const edited = text
      .replace('Closed/Won: Closed Won', 'Closed/Won: Closed-Won')
      .replace('Description: { from: details.notes', 'Descripton: { from: details.notes');
    const r = await post(s, '/mapping/check', TOKENS.viewer, { text: edited });
    const a = (await r.json()) as { ok: boolean; crm: { path: string; message: string }[] };
    expect(a.ok).toBe(true);
    expect(a.crm).toEqual(
      expect.arrayContaining([
        {
          crm: 'salesforce',
          path: 'salesforce.fields.Descripton',
          message: expect.stringContaining('did you mean "Description"'),
        },
        {
          crm: 'salesforce',
          path: 'salesforce.fields.StageName.values.Closed/Won',
          message: '"Closed-Won" is not a value of this picklist (did you mean "Closed Won"?)',
        },
      ]),
    );
  });

  it('finds nothing wrong with the shipped mapping on an org set up as the README says', async () => {
    const s = (ds = await startDashboardStack({ server: { auth: AUTH }, studio: {}, studioCrm: true }));
    const a = (await (await post(s, '/mapping/check', TOKENS.viewer, { text })).json()) as { crm: unknown[] };
    expect(a.crm).toEqual([]);
  });

  it('describes the org once for checks typed in a row, again on refresh', async () => {
    const s = (ds = await startDashboardStack({ server: { auth: AUTH }, studio: {}, studioCrm: true }));
    const describes = () => s.stack.sf.fake.requests().filter((q) => q.route === 'describe').length;
    await post(s, '/mapping/check', TOKENS.viewer, { text });
    const first = describes();
    await post(s, '/mapping/check', TOKENS.viewer, { text: `${text}\n# typing` });
    expect(describes()).toBe(first);
    await post(s, '/mapping/check?refresh=1', TOKENS.viewer, { text });
    expect(describes()).toBe(first * 2);
  });
});

describe('preview against the CRM', () => {
  it('shows the opportunity as it stands and which fields a sync would change, reading only', async () => {
    const s = (ds = await startDashboardStack({ server: { auth: AUTH }, studio: {}, studioCrm: true }));
    const r = makeReferral({ name: 'Kestrel Freight rollout' });
    await s.seed([r]);
    const before = s.stack.sf.fake.requests().filter((q) => q.method !== 'GET').length;
    const edited = text.replace(
      'Description: { from: details.notes, maxLength: 32000 }',
      'Description: { const: Fixed }',
    );
    const res = await post(s, '/mapping/preview', TOKENS.viewer, { text: edited, referralId: r.id });
    const p = (await res.json()) as { crmNow: Record<string, unknown>; crmDiffers: string[] };
    expect(p.crmNow.Name).toBe('Kestrel Freight rollout');
    expect(p.crmDiffers).toEqual(['Description']);
    expect(s.stack.sf.fake.requests().filter((q) => q.method !== 'GET').length).toBe(before);
  });
});

describe('preview privacy', () => {
  it('blanks a contact email a rule maps, as every dashboard page does', async () => {
    const s = await start();
    const r = makeReferral();
    await s.seed([r]);
    const edited = text.replace(
      '    Referral_Category__c: { from: category }',
      '    Referral_Category__c: { from: category }\n    Contact__c: { template: "mail {customerProfile.team.0.email}" }',
    );
    const res = await post(s, '/mapping/preview', TOKENS.viewer, { text: edited, referralId: r.id });
    const p = (await res.json()) as { fields: { name: string; value: unknown }[] };
    expect(p.fields.find((f) => f.name === 'Contact__c')?.value).toBe('mail [email hidden]');
  });
});
