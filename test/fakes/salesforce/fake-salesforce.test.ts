import { afterEach, describe, expect, it } from 'vitest';
import { startFakeSalesforce, type FakeSalesforce, type FakeSalesforceOptions } from './fake-salesforce.ts';

/*
 * The fake over plain fetch: the parts of the protocol the connector tests do not already
 * exercise (paging, the poller's SystemModstamp query, stages, uniqueness, allOrNone, limits).
 */

let fake: FakeSalesforce | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

interface Api {
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: unknown }>;
  send(method: string, path: string, body: unknown): Promise<{ status: number; body: unknown }>;
}

async function connect(opts: FakeSalesforceOptions = {}): Promise<Api> {
  fake = await startFakeSalesforce({ clientCredentials: { clientId: 'id', clientSecret: 'secret' }, ...opts });
  const base = fake.url;
  const tokenRes = await fetch(`${base}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&client_id=id&client_secret=secret',
  });
  const { access_token: token } = (await tokenRes.json()) as { access_token: string };
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(path.startsWith('/services') ? `${base}${path}` : `${base}/services/data/v62.0${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  return { get: (p, hd) => call('GET', p, undefined, hd), send: (m, p, b) => call(m, p, b) };
}

const q = (soql: string): string => `/query?q=${encodeURIComponent(soql)}`;
type Page = { totalSize: number; done: boolean; nextRecordsUrl?: string; records: Record<string, unknown>[] };
const opp = (i: number): Record<string, unknown> => ({
  Name: `Deal ${i}`,
  StageName: 'Prospecting',
  CloseDate: '2030-01-01',
  Referral_Id__c: `R-${i}`,
});

describe('fake salesforce', () => {
  it('pages query results through nextRecordsUrl', async () => {
    const api = await connect({ pageSize: 3 });
    await api.send('POST', '/composite/sobjects', {
      allOrNone: false,
      records: Array.from({ length: 7 }, (_, i) => ({ attributes: { type: 'Opportunity' }, ...opp(i) })),
    });
    let page = (await api.get(q('SELECT Id, Referral_Id__c FROM Opportunity ORDER BY Referral_Id__c DESC')))
      .body as Page;
    const seen: unknown[] = [];
    for (;;) {
      seen.push(...page.records.map((r) => r.Referral_Id__c));
      expect(page.totalSize).toBe(7);
      if (page.done) break;
      page = (await api.get(String(page.nextRecordsUrl))).body as Page;
    }
    expect(seen).toEqual(['R-6', 'R-5', 'R-4', 'R-3', 'R-2', 'R-1', 'R-0']);
    expect(fake?.counters()).toMatchObject({ query: 1, queryMore: 2 });
  });

  it("answers the poller's SystemModstamp query, including a human edit", async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const api = await connect({ now: () => new Date(now) });
    for (let i = 0; i < 3; i++) {
      now += 1000;
      await api.send('PATCH', `/sobjects/Opportunity/Referral_Id__c/R-${i}`, { ...opp(i), Referral_Id__c: undefined });
    }
    const first = fake?.records('Opportunity').find((r) => r.Referral_Id__c === 'R-0');
    now += 60_000;
    fake?.updateAsUser(String(first?.Id), { StageName: 'Closed Won' });
    const res = await api.get(
      q(
        'SELECT Id, StageName, IsWon, IsClosed, LastModifiedById FROM Opportunity WHERE SystemModstamp >= 2030-01-01T00:00:02Z ORDER BY SystemModstamp, Id LIMIT 200',
      ),
    );
    const page = res.body as Page;
    expect(page.records.map((r) => [r.StageName, r.IsWon, r.IsClosed])).toEqual([
      ['Prospecting', false, false],
      ['Prospecting', false, false],
      ['Closed Won', true, true],
    ]);
    expect(page.records[2]?.LastModifiedById).toBe(fake?.humanUserId);
    expect(page.records[0]?.LastModifiedById).toBe(fake?.integrationUserId);
  });

  it('serves OpportunityStage with the default closed stages', async () => {
    const api = await connect();
    const page = (
      await api.get(q('SELECT ApiName, IsClosed, IsWon FROM OpportunityStage WHERE IsClosed = true ORDER BY SortOrder'))
    ).body as Page;
    expect(page.records.map((r) => [r.ApiName, r.IsWon])).toEqual([
      ['Closed Won', true],
      ['Closed Lost', false],
    ]);
  });

  it('supports AND/OR/IN/NOT IN/null and rejects unknown fields and bad SOQL', async () => {
    const api = await connect();
    for (const [i, country] of ['DE', 'AT', 'DE'].entries())
      fake?.setRecord('Account', { Name: `Acc ${i}`, BillingCountry: country });
    fake?.setRecord('Account', { Name: 'No country', BillingCountry: null });
    const names = async (where: string): Promise<unknown[]> =>
      ((await api.get(q(`SELECT Name FROM Account WHERE ${where} ORDER BY Name`))).body as Page).records.map(
        (r) => r.Name,
      );
    expect(await names("(Name = 'acc 0' AND BillingCountry = 'DE') OR Name IN ('Acc 1', 'Nope')")).toEqual([
      'Acc 0',
      'Acc 1',
    ]);
    expect(await names("BillingCountry NOT IN ('DE')")).toEqual(['Acc 1']);
    expect(await names('BillingCountry = null')).toEqual(['No country']);
    expect(await names("NOT (BillingCountry = 'DE')")).toEqual(['Acc 1', 'No country']);
    expect((await api.get(q('SELECT Nope__c FROM Account'))).body).toEqual([
      expect.objectContaining({ errorCode: 'INVALID_FIELD' }),
    ]);
    expect((await api.get(q('SELECT Id FROM Account WHERE'))).status).toBe(400);
    expect(((await api.get(q('SELECT COUNT() FROM Account'))).body as Page).totalSize).toBe(4);
  });

  it('enforces external-id uniqueness on create and update', async () => {
    const api = await connect();
    const a = await api.send('POST', '/sobjects/Opportunity', opp(1));
    expect(a.status).toBe(201);
    const dup = await api.send('POST', '/sobjects/Opportunity', { ...opp(1), Referral_Id__c: 'r-1' });
    expect(dup).toMatchObject({ status: 400, body: [expect.objectContaining({ errorCode: 'DUPLICATE_VALUE' })] });
    const b = (await api.send('POST', '/sobjects/Opportunity', opp(2))).body as { id: string };
    const clash = await api.send('PATCH', `/sobjects/Opportunity/${b.id}`, { Referral_Id__c: 'R-1' });
    expect(clash.status).toBe(400);
    expect(fake?.records('Opportunity')).toHaveLength(2);
  });

  it('rolls back an allOrNone collection and checks required fields and lengths per record', async () => {
    const api = await connect({ enforceLengths: true });
    const res = await api.send('PATCH', '/composite/sobjects/Opportunity/Referral_Id__c', {
      allOrNone: true,
      records: [
        { attributes: { type: 'Opportunity' }, ...opp(1) },
        { attributes: { type: 'Opportunity' }, Referral_Id__c: 'R-2', Name: 'x'.repeat(121), StageName: 'Prospecting' },
      ],
    });
    const body = res.body as { success: boolean; errors: { statusCode: string; fields: string[] }[] }[];
    expect(body[0]?.errors[0]?.statusCode).toBe('ALL_OR_NONE_OPERATION_ROLLED_BACK');
    expect(body[1]?.errors.map((e) => e.statusCode).sort()).toEqual(['STRING_TOO_LONG']);
    expect(fake?.records('Opportunity')).toHaveLength(0);
    const missing = await api.send('PATCH', '/sobjects/Opportunity/Referral_Id__c/R-3', { Name: 'x' });
    expect(missing.body).toEqual([
      expect.objectContaining({ errorCode: 'REQUIRED_FIELD_MISSING', fields: ['StageName', 'CloseDate'] }),
    ]);
  });

  it('rejects more than 200 records, unknown fields when strict, and expired tokens', async () => {
    const api = await connect({ strictFields: true });
    const tooMany = await api.send('PATCH', '/composite/sobjects/Opportunity/Referral_Id__c', {
      allOrNone: false,
      records: Array.from({ length: 201 }, (_, i) => opp(i)),
    });
    expect(tooMany.status).toBe(400);
    const unknown = await api.send('POST', '/sobjects/Opportunity', { ...opp(1), Nope__c: 1 });
    expect(unknown.body).toEqual([expect.objectContaining({ errorCode: 'INVALID_FIELD' })]);
    fake?.expireTokens();
    expect(await api.get(q('SELECT Id FROM Account'))).toEqual({
      status: 401,
      body: [expect.objectContaining({ errorCode: 'INVALID_SESSION_ID' })],
    });
  });

  it('describes objects with external-id flags', async () => {
    const api = await connect();
    const d = (await api.get('/sobjects/Account/describe')).body as {
      fields: { name: string; externalId: boolean; unique: boolean }[];
    };
    expect(d.fields.find((f) => f.name === 'Referral_Sync_Key__c')).toMatchObject({ externalId: true, unique: true });
    expect((await api.get('/sobjects/Nope__c/describe')).status).toBe(404);
  });

  it('keeps upserts fast at 20k records (indexed by external id)', async () => {
    const api = await connect();
    const started = Date.now();
    for (let c = 0; c < 100; c++) {
      const records = Array.from({ length: 200 }, (_, i) => ({
        attributes: { type: 'Opportunity' },
        ...opp(c * 200 + i),
      }));
      await api.send('PATCH', '/composite/sobjects/Opportunity/Referral_Id__c', { allOrNone: false, records });
    }
    expect(fake?.records('Opportunity')).toHaveLength(20_000);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
