import { afterEach, describe, expect, it } from 'vitest';
import { startFakeSalesforce, type FakeSalesforce } from './fake-salesforce.ts';

/* The fake's Composite resource and parent-by-external-id references, over plain fetch. */

let fake: FakeSalesforce | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

type Send = (method: string, path: string, body: unknown) => Promise<{ status: number; body: unknown }>;

async function connect(): Promise<Send> {
  fake = await startFakeSalesforce({ clientCredentials: { clientId: 'id', clientSecret: 'secret' } });
  const base = fake.url;
  const tokenRes = await fetch(`${base}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&client_id=id&client_secret=secret',
  });
  const { access_token: token } = (await tokenRes.json()) as { access_token: string };
  return async (method, path, body) => {
    const res = await fetch(`${base}/services/data/v62.0${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
}

const V = '/services/data/v62.0';
const opp = (id: string, extra: Record<string, unknown> = {}) => ({
  attributes: { type: 'Opportunity' },
  Name: `Deal ${id}`,
  StageName: 'Prospecting',
  CloseDate: '2030-01-01',
  Referral_Id__c: id,
  ...extra,
});
const collection = (object: string, field: string, referenceId: string, records: unknown[]) => ({
  method: 'PATCH',
  url: `${V}/composite/sobjects/${object}/${field}`,
  referenceId,
  body: { allOrNone: false, records },
});
type Answer = { compositeResponse: { body: unknown; httpStatusCode: number; referenceId: string }[] };

describe('fake salesforce composite', () => {
  it('runs collection upserts in one call; a later one names new accounts by their key', async () => {
    const send = await connect();
    fake?.resetCounters();
    const res = await send('POST', '/composite', {
      allOrNone: false,
      compositeRequest: [
        collection('Account', 'Referral_Sync_Key__c', 'accounts', [
          { attributes: { type: 'Account' }, Name: 'Acme', Referral_Sync_Key__c: 'k-acme' },
        ]),
        collection('Opportunity', 'Referral_Id__c', 'opps', [
          opp('R-1', { Account: { Referral_Sync_Key__c: 'K-ACME' } }),
          opp('R-2', { Account: { Referral_Sync_Key__c: 'k-missing' } }),
          opp('R-3', { AccountId: '001000000000000AAA', Account: { Referral_Sync_Key__c: 'k-acme' } }),
        ]),
      ],
    });
    expect(res.status).toBe(200);
    const [accounts, opps] = (res.body as Answer).compositeResponse;
    expect(accounts).toMatchObject({
      httpStatusCode: 200,
      referenceId: 'accounts',
      body: [{ success: true, created: true }],
    });
    expect(opps?.body).toMatchObject([
      { success: true, created: true },
      {
        success: false,
        errors: [
          {
            statusCode: 'INVALID_FIELD',
            message: 'Foreign key external ID: k-missing not found for field Referral_Sync_Key__c in entity Account',
          },
        ],
      },
      {
        success: false,
        errors: [
          {
            statusCode: 'INVALID_FIELD',
            message: expect.stringContaining(
              'Cannot specify both an external ID reference Account and a salesforce id',
            ),
          },
        ],
      },
    ]);
    const [acme] = fake?.records('Account') ?? [];
    expect(fake?.records('Opportunity').map((o) => [o.Referral_Id__c, o.AccountId])).toEqual([['R-1', acme?.Id]]);
    expect(fake?.counters()).toMatchObject({ composite: 1, upsertCollection: 0, total: 1 });
    expect(fake?.requests()[0]).toMatchObject({
      route: 'composite',
      status: 200,
      subrequests: [
        { referenceId: 'accounts', route: 'upsertCollection', status: 200 },
        { referenceId: 'opps', route: 'upsertCollection', status: 200 },
      ],
    });
  });

  it('resolves @{ref} from earlier answers and halts only what references a failure', async () => {
    const send = await connect();
    const res = await send('POST', '/composite', {
      allOrNone: false,
      compositeRequest: [
        { method: 'POST', url: `${V}/sobjects/Account`, referenceId: 'acc', body: { Name: 'Fabrikam' } },
        {
          method: 'POST',
          url: `${V}/sobjects/Opportunity`,
          referenceId: 'opp',
          body: { ...opp('C-1'), AccountId: '@{acc.id}' },
        },
        { method: 'POST', url: `${V}/sobjects/Account`, referenceId: 'bad', body: { Website: 'no name' } },
        {
          method: 'POST',
          url: `${V}/sobjects/Opportunity`,
          referenceId: 'halted',
          body: { ...opp('C-2'), AccountId: '@{bad.id}' },
        },
        {
          method: 'GET',
          url: `${V}/sobjects/Opportunity/@{opp.id}?fields=AccountId`,
          referenceId: 'read',
          body: undefined,
        },
      ],
    });
    const answers = (res.body as Answer).compositeResponse;
    expect(answers.map((a) => a.httpStatusCode)).toEqual([201, 201, 400, 400, 200]);
    expect(answers[3]?.body).toMatchObject([{ errorCode: 'PROCESSING_HALTED' }]);
    expect(answers[4]?.body).toMatchObject({ AccountId: (answers[0]?.body as { id: string }).id });
  });

  it('refuses more than 25 subrequests, more than 5 collections, and allOrNone true', async () => {
    const send = await connect();
    const read = (i: number) => ({ method: 'GET', url: `${V}/sobjects/Opportunity/describe`, referenceId: `d${i}` });
    expect(
      (await send('POST', '/composite', { compositeRequest: Array.from({ length: 26 }, (_, i) => read(i)) })).status,
    ).toBe(400);
    const six = Array.from({ length: 6 }, (_, i) =>
      collection('Opportunity', 'Referral_Id__c', `c${i}`, [opp(`L-${i}`)]),
    );
    expect((await send('POST', '/composite', { compositeRequest: six })).status).toBe(400);
    expect((await send('POST', '/composite', { allOrNone: true, compositeRequest: [read(0)] })).status).toBe(400);
    expect(fake?.records('Opportunity')).toHaveLength(0);
  });

  it('takes a parent reference in a single upsert too', async () => {
    const send = await connect();
    fake?.setRecord('Account', { Name: 'Northwind', Referral_Sync_Key__c: 'k-nw' });
    const res = await send('PATCH', '/sobjects/Opportunity/Referral_Id__c/S-1', {
      Name: 'Deal',
      StageName: 'Prospecting',
      CloseDate: '2030-01-01',
      Account: { Referral_Sync_Key__c: 'k-nw' },
    });
    expect(res.status).toBe(201);
    expect(fake?.records('Opportunity')[0]?.AccountId).toBe(fake?.records('Account')[0]?.Id);
  });
});
