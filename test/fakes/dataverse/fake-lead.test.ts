import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeDataverse, type FakeDataverse } from './server.ts';

/* The fake's lead table and QualifyLead action (issue 16) over plain HTTP. */

let fake: FakeDataverse | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function client() {
  const f = await startFakeDataverse();
  fake = f;
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: 'c',
    client_secret: 's',
    scope: `${f.url}/.default`,
  });
  const token = (await axios.post<{ access_token: string }>(`${f.url}/${f.tenantId}/oauth2/v2.0/token`, form)).data
    .access_token;
  const call = (method: string, path: string, data?: unknown) =>
    axios.request<Record<string, unknown>>({
      method,
      url: `${f.url}${f.apiPath}/${path}`,
      data,
      headers: { Authorization: `Bearer ${token}`, Prefer: 'return=representation' },
      validateStatus: () => true,
    });
  return { f, call };
}

describe('fake Dataverse leads', () => {
  it('QualifyLead creates an opportunity naming the lead in originatingleadid and qualifies the lead', async () => {
    const { f, call } = await client();
    const lead = await call('PATCH', "leads(new_referralid='ref-1')", {
      subject: 'Teams Phone',
      companyname: 'Ostsee',
    });
    const leadId = String(lead.data.leadid);
    const r = await call('POST', `leads(${leadId})/Microsoft.Dynamics.CRM.QualifyLead`, {
      CreateAccount: true,
      CreateContact: false,
      CreateOpportunity: true,
      Status: 3,
    });
    const created = (r.data.value as { opportunityid?: string }[]).find((x) => x.opportunityid);
    const opp = f.records('opportunities').find((o) => o.opportunityid === created?.opportunityid);
    expect([lead.status, r.status, opp?._originatingleadid_value, opp?.name]).toEqual([
      201,
      200,
      leadId,
      'Teams Phone',
    ]);
    expect(f.records('leads')[0]).toMatchObject({ statecode: 1, statuscode: 3 });
    const twice = await call('POST', `leads(${leadId})/Microsoft.Dynamics.CRM.QualifyLead`, { Status: 3 });
    expect(twice.status).toBe(400);
  });

  it('refuses to set Qualified by an update; Disqualified is a plain update', async () => {
    const { call } = await client();
    const lead = await call('PATCH', "leads(new_referralid='ref-1')", { subject: 'x', companyname: 'y' });
    const id = String(lead.data.leadid);
    expect((await call('PATCH', `leads(${id})`, { statecode: 1, statuscode: 3 })).status).toBe(400);
    expect((await call('PATCH', `leads(${id})`, { statecode: 2, statuscode: 5 })).status).toBe(200);
  });
});
