import { afterEach, describe, expect, it } from 'vitest';
import { parseEnv, type Env } from '../src/config/env.ts';
import { startDataverseHarness, type DataverseHarness } from '../test/fakes/dataverse/dataverse-harness.ts';
import { startSalesforceHarness, type SalesforceHarness } from '../test/fakes/salesforce/salesforce-harness.ts';
import type { FakeMetadataOptions } from '../test/fakes/dataverse/metadata.ts';
import type { FieldSpec } from '../test/fakes/salesforce/fake-schema.ts';
import { dynamicsProbe } from './credential-probes.ts';
import { runDoctor, type DoctorLine } from './doctor.ts';
import { loadMappingFile } from './mapping-file.ts';
import { salesforceLeadOptions } from './lead-compose.ts';

/*
 * `doctor` against the fake CRMs with the shipped mapping (config/mapping.default.yaml): an org
 * set up as README says passes; a missing column, a missing alternate key or a mapped field
 * nobody created is named. Partner Center is out of scope here (signed in).
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let dv: DataverseHarness | undefined;
let sf: SalesforceHarness | undefined;
afterEach(async () => {
  await dv?.close();
  await sf?.close();
  dv = undefined;
  sf = undefined;
});

function env(crm: 'salesforce' | 'dynamics'): Env {
  const r = parseEnv({
    CRM: crm,
    REDIS_URL,
    PARTNER_CENTER_CLIENT_ID: 'app-id',
    TOKEN_CACHE_KEY: Buffer.alloc(32, 7).toString('base64'),
    SALESFORCE_CLIENT_ID: 'sf-id',
    SALESFORCE_USERNAME: 'sync@example.com',
    SALESFORCE_PRIVATE_KEY_FILE: '/nonexistent.pem',
    DYNAMICS_URL: 'https://contoso.crm4.dynamics.example',
    DYNAMICS_TENANT_ID: 'contoso.example',
    DYNAMICS_CLIENT_ID: 'dv-id',
    DYNAMICS_CLIENT_SECRET: 'dv-secret',
  });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.env;
}
const signedIn = { getAccessToken: async () => 'token' };
const crmLines = (lines: DoctorLine[], prefix: string) => lines.filter((l) => l.check.startsWith(prefix));

async function dynamicsDoctor(metadata: FakeMetadataOptions = {}, share = false) {
  dv = await startDataverseHarness({
    fake: { metadata },
    ...(share ? { connector: { outbound: { fields: { share: {} }, rules: {} } } } : {}),
  });
  const c = dv.connector;
  return runDoctor(env('dynamics'), {
    remotes: async () => ({
      tokens: signedIn,
      dynamics: {
        probe: dynamicsProbe(c),
        describe: 'opportunities.new_referralid',
        columns: (extra) => c.checkColumns(extra),
      },
    }),
  });
}

describe('doctor: Dynamics 365 columns', () => {
  it('passes an environment set up as README says, checking the mapped columns too', async () => {
    const report = await dynamicsDoctor();
    const columns = crmLines(report.lines, 'Dynamics column ');
    expect(columns.filter((l) => l.status !== 'ok')).toEqual([]);
    const checked = columns.map((l) => l.check);
    expect(checked).toEqual(
      expect.arrayContaining([
        'Dynamics column opportunities.new_referralid',
        'Dynamics column accounts.new_referralsynckey',
        'Dynamics column opportunities.new_referralstatus',
        'Dynamics column opportunities.transactioncurrencyid',
        'Dynamics column accounts.address1_city',
      ]),
    );
    expect(new Set(checked).size).toBe(checked.length); // expiry columns are also mapped: listed once
    expect(crmLines(report.lines, 'Dynamics').every((l) => l.status === 'ok')).toBe(true);
  });

  it('names a missing column, a missing alternate key and a read-only mapped column', async () => {
    const report = await dynamicsDoctor({
      missing: ['opportunities.new_referralexpirylevel'],
      withoutKeys: ['accounts'],
      readOnly: ['opportunities.new_referrallink'],
    });
    const byCheck = Object.fromEntries(report.lines.map((l) => [l.check, l]));
    expect(byCheck['Dynamics column opportunities.new_referralexpirylevel']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('does not exist'),
    });
    expect(byCheck['Dynamics column accounts.new_referralsynckey']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('no alternate key'),
    });
    expect(byCheck['Dynamics column opportunities.new_referrallink']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('cannot be written'),
    });
    expect(byCheck['Dynamics column opportunities.new_referralid']).toMatchObject({ status: 'ok' });
    expect(report.failed).toBe(true);
  });
});

describe('doctor: share columns (issue 16)', () => {
  it('checks the share columns on the opportunity, account and contact tables, naming a missing one', async () => {
    const report = await dynamicsDoctor({ missing: ['opportunities.new_syncwithpartnercenter'] }, true);
    const byCheck = Object.fromEntries(report.lines.map((l) => [l.check, l]));
    expect(byCheck['Dynamics column opportunities.new_syncwithpartnercenter']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('does not exist'),
    });
    for (const ok of [
      'opportunities.new_howcanmicrosofthelp',
      'opportunities.new_partnercentersolutions',
      'accounts.address1_country',
      'contacts.emailaddress1',
    ])
      expect(byCheck[`Dynamics column ${ok}`]).toMatchObject({ status: 'ok' });
  });

  it('checks the Salesforce share fields, a lookup path as its lookup field', async () => {
    sf = await startSalesforceHarness({ connector: { outbound: { fields: { share: {} }, rules: {} } } });
    const report = await runDoctor(env('salesforce'), {
      remotes: async () => ({ tokens: signedIn, salesforce: sf?.connector }),
    });
    const fields = crmLines(report.lines, 'Salesforce field ');
    expect(fields.filter((l) => l.status !== 'ok')).toEqual([]);
    expect(fields.map((l) => l.check)).toEqual(
      expect.arrayContaining([
        'Salesforce field Opportunity.Sync_With_Partner_Center__c',
        'Salesforce field Opportunity.How_Can_Microsoft_Help__c',
        'Salesforce field Opportunity.Referral_Contact__c',
      ]),
    );
  });
});

describe('doctor: Salesforce mapped fields', () => {
  async function salesforceDoctor(fields?: Record<string, FieldSpec[]>) {
    sf = await startSalesforceHarness({
      fake: { ...(fields ? { fields } : {}) },
      connector: { outbound: { fields: {}, rules: {} } },
    });
    const c = sf.connector;
    return runDoctor(env('salesforce'), { remotes: async () => ({ tokens: signedIn, salesforce: c }) });
  }

  it('passes an org set up as README says, checking the mapped fields too', async () => {
    const report = await salesforceDoctor();
    const fields = crmLines(report.lines, 'Salesforce field ');
    expect(fields.filter((l) => l.status !== 'ok')).toEqual([]);
    expect(fields.map((l) => l.check)).toEqual(
      expect.arrayContaining([
        'Salesforce field Opportunity.Referral_Status__c',
        'Salesforce field Account.BillingCountry',
        'Salesforce field OpportunityTeamMember.UserId',
      ]),
    );
  });

  it('checks the Lead fields of the lead section, and names the Lead key field when it is missing (issue 16)', async () => {
    sf = await startSalesforceHarness({
      fake: { fields: { Lead: [{ name: 'Referral_Id__c', type: 'string', length: 255 }] } },
      connector: {
        outbound: { fields: {}, rules: {} },
        ...salesforceLeadOptions(await loadMappingFile('config/mapping.default.yaml')),
      },
    });
    const c = sf.connector;
    const report = await runDoctor(env('salesforce'), { remotes: async () => ({ tokens: signedIn, salesforce: c }) });
    const byCheck = Object.fromEntries(report.lines.map((l) => [l.check, l]));
    expect([
      byCheck['Salesforce field Lead.Referral_Id__c']?.status,
      byCheck['Salesforce field Lead.Company']?.status,
      byCheck['Salesforce field Lead.ConvertedOpportunityId']?.status,
    ]).toEqual(['fail', 'ok', 'ok']);
  });

  it('names a mapped field the integration user cannot write', async () => {
    // The fake org's Referral_Link__c is replaced by a formula: it exists but cannot be written.
    const report = await salesforceDoctor({
      Opportunity: [{ name: 'Referral_Link__c', type: 'string', readOnly: true }],
    });
    expect(report.lines.find((l) => l.check === 'Salesforce field Opportunity.Referral_Link__c')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('read-only'),
    });
  });
});
