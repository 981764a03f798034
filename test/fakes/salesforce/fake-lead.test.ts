import { afterEach, describe, expect, it } from 'vitest';
import { startFakeSalesforce, type FakeSalesforce } from './fake-salesforce.ts';

/* The fake's Lead (issue 16) over plain fetch: upsert by key, conversion as a seller does it, the lock after. */

let fake: FakeSalesforce | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function connect() {
  const f = await startFakeSalesforce({ clientCredentials: { clientId: 'id', clientSecret: 'secret' } });
  fake = f;
  const tokenRes = await fetch(`${f.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&client_id=id&client_secret=secret',
  });
  const { access_token: token } = (await tokenRes.json()) as { access_token: string };
  const send = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${f.url}/services/data/v62.0${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  return { f, send };
}

describe('fake Salesforce Lead', () => {
  it('upserts a Lead by its key with the default status; LastName and Company are required', async () => {
    const { f, send } = await connect();
    const missing = await send('PATCH', '/sobjects/Lead/Referral_Id__c/ref-1', { Company: 'Bluefin' });
    const created = await send('PATCH', '/sobjects/Lead/Referral_Id__c/ref-1', {
      Company: 'Bluefin',
      LastName: 'Vogt',
    });
    expect([missing.status, created.status, f.records('Lead')[0]?.Status]).toEqual([400, 201, 'Open - Not Contacted']);
  });

  it('converts like the Convert button: opportunity + account, the Lead marked converted and locked', async () => {
    const { f, send } = await connect();
    const r = await send('PATCH', '/sobjects/Lead/Referral_Id__c/ref-1', { Company: 'Bluefin', LastName: 'Vogt' });
    const leadId = (r.body as { id: string }).id;
    const { opportunityId, accountId } = f.convertLeadAsUser(leadId, { Amount: 48_000 });
    expect(f.record('Lead', leadId)).toMatchObject({
      IsConverted: true,
      ConvertedOpportunityId: opportunityId,
      ConvertedAccountId: accountId,
      Status: 'Closed - Converted',
    });
    expect(f.record('Opportunity', opportunityId)).toMatchObject({ AccountId: accountId, Amount: 48_000 });
    const again = await send('PATCH', '/sobjects/Lead/Referral_Id__c/ref-1', {
      Company: 'Bluefin GmbH',
      LastName: 'Vogt',
    });
    expect([again.status, (again.body as { errorCode: string }[])[0]?.errorCode]).toEqual([
      400,
      'CANNOT_UPDATE_CONVERTED_LEAD',
    ]);
  });
});
