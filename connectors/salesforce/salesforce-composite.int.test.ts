import { afterEach, describe, expect, it } from 'vitest';
import { RetryableError } from '../../src/errors.ts';
import type { AccountDraft, OpportunityDraft, UpsertResult } from '../../src/ports/crm.ts';
import { startSalesforceHarness, type SalesforceHarness } from '../../test/fakes/salesforce/salesforce-harness.ts';
import { accountKey } from './account-key.ts';

/*
 * New customers cost no extra write call: their Accounts and the opportunities go in one
 * Composite call, the opportunities naming a new Account by its key; known customers are
 * remembered per process, and concurrent batches share one lookup/creation per customer.
 */

const customer = (name: string, country = 'DE'): AccountDraft => ({
  match: { Name: name, BillingCountry: country },
  fields: { Name: name, BillingCountry: country },
});
const draft = (id: string, account: AccountDraft | null): OpportunityDraft => ({
  referralId: id,
  fields: { Name: `Deal ${id}`, StageName: 'Prospecting', CloseDate: '2030-01-31' },
  account,
});
const batch = (prefix: string, n: number, who = (i: number) => customer(`Customer ${i}`)): OpportunityDraft[] =>
  Array.from({ length: n }, (_, i) => draft(`${prefix}-${i}`, who(i)));

let h: SalesforceHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(latencyMs = 0): Promise<SalesforceHarness> {
  h = await startSalesforceHarness({ fake: { latencyMs } });
  await h.connector.signIn();
  h.fake.resetCounters();
  return h;
}
/** API calls that write, in order, by route. */
const writes = (x: SalesforceHarness): string[] =>
  x.fake
    .requests()
    .filter((r) => r.method !== 'GET' && r.route !== 'token')
    .map((r) => r.route);
/** Account upsert subrequests (or calls) seen: each one is a write of Accounts. */
const accountUpserts = (x: SalesforceHarness): number =>
  x.fake
    .requests()
    .flatMap((r): { method: string; path: string }[] => r.subrequests ?? [r])
    .filter((r) => r.method !== 'GET' && r.path.includes('/Account/')).length;
const accountOf = (x: SalesforceHarness, referralId: string): unknown =>
  x.fake.records('Opportunity').find((o) => o.Referral_Id__c === referralId)?.AccountId;
const idByKey = (x: SalesforceHarness): Map<unknown, unknown> =>
  new Map(x.fake.records('Account').map((a) => [a.Referral_Sync_Key__c, a.Id]));
const okAll = (rs: UpsertResult[]): boolean => rs.every((r) => r.ok);

describe('salesforce: new customers in one composite call', () => {
  it('writes 200 drafts for 200 new customers with exactly 1 call, then 0 account writes and no lookup', async () => {
    const x = await start();
    const first = await x.connector.upsertOpportunities(batch('N', 200));
    expect(okAll(first)).toBe(true);
    expect(writes(x)).toEqual(['composite']);
    const [call] = x.fake.requests().filter((r) => r.route === 'composite');
    expect(call?.subrequests?.map((s) => [s.path.split('/').slice(-2).join('/'), s.status])).toEqual([
      ['Account/Referral_Sync_Key__c', 200],
      ['Opportunity/Referral_Id__c', 200],
    ]);
    expect(x.fake.records('Account')).toHaveLength(200);
    expect(x.fake.records('Opportunity')).toHaveLength(200);
    const ids = idByKey(x);
    for (let i = 0; i < 200; i += 1)
      expect(accountOf(x, `N-${i}`)).toBe(ids.get(accountKey(customer(`Customer ${i}`).match)));

    x.fake.resetCounters();
    const again = await x.connector.upsertOpportunities(batch('M', 200));
    expect(okAll(again)).toBe(true);
    expect(writes(x)).toEqual(['upsertCollection']);
    expect(x.fake.counters()).toMatchObject({ query: 0, composite: 0, total: 1 });
    expect(x.fake.records('Account')).toHaveLength(200);
    expect(accountOf(x, 'M-7')).toBe(accountOf(x, 'N-7'));
  });

  it("keeps a human's matching account (found by the query) and creates only the new ones", async () => {
    const x = await start();
    const human = x.fake.setRecord('Account', { Name: 'Contoso GmbH', BillingCountry: 'DE' });
    const input = [
      draft('H-1', customer('Contoso GmbH')),
      draft('H-2', customer('New One')),
      draft('H-3', customer('contoso gmbh ')),
      draft('H-4', null),
    ];
    const results = await x.connector.upsertOpportunities(input);
    expect(okAll(results)).toBe(true);
    expect(x.fake.counters()).toMatchObject({ query: 1, composite: 1 });
    expect(writes(x)).toEqual(['composite']);
    expect(accountOf(x, 'H-1')).toBe(human);
    expect(accountOf(x, 'H-3')).toBe(human);
    expect(accountOf(x, 'H-2')).toBe(idByKey(x).get(accountKey(customer('New One').match)));
    expect(accountOf(x, 'H-4')).toBeUndefined();
    expect(x.fake.records('Account')).toHaveLength(2);
    expect(x.fake.record('Account', human)?.Referral_Sync_Key__c).toBeUndefined(); // not written to
  });

  it("fails only the opportunities of an account that fails, with the account's error", async () => {
    const x = await start();
    x.fake.failRecord(accountKey(customer('Locked Inc').match), 'UNABLE_TO_LOCK_ROW');
    const input = [
      draft('F-1', customer('Locked Inc')),
      draft('F-2', customer('Fine Ltd')),
      draft('F-3', customer('Locked Inc')),
      draft('F-4', null),
    ];
    const results = await x.connector.upsertOpportunities(input);
    expect(results.map((r) => r.ok)).toEqual([false, true, false, true]);
    for (const r of [results[0], results[2]]) {
      if (r?.ok !== false) throw new Error('expected a failure');
      expect(r.error).toBeInstanceOf(RetryableError);
      expect(r.error.message).toMatch(/Account UNABLE_TO_LOCK_ROW/);
    }
    expect(writes(x)).toEqual(['composite']);
    expect(
      x.fake
        .records('Opportunity')
        .map((o) => o.Referral_Id__c)
        .sort(),
    ).toEqual(['F-2', 'F-4']);

    const retry = await x.connector.upsertOpportunities([input[0] as OpportunityDraft]);
    expect(retry[0]).toMatchObject({ ok: true, created: true });
    expect(x.fake.records('Account')).toHaveLength(2);
  });

  it('creates each customer once for two concurrent batches, with one lookup', async () => {
    const x = await start(10);
    const [a, b] = await Promise.all([
      x.connector.upsertOpportunities(batch('A', 30)),
      x.connector.upsertOpportunities(batch('B', 30)),
    ]);
    expect(okAll([...(a ?? []), ...(b ?? [])])).toBe(true);
    expect(x.fake.records('Account')).toHaveLength(30);
    expect(accountUpserts(x)).toBe(1);
    expect(x.fake.counters()).toMatchObject({ query: 1, composite: 1, upsertCollection: 1 });
    for (let i = 0; i < 30; i += 1) expect(accountOf(x, `B-${i}`)).toBe(accountOf(x, `A-${i}`));
  });

  it('lets a waiting batch create the accounts itself when the owning call fails as a whole', async () => {
    const x = await start(10);
    x.fake.failNextWrite(503); // A's composite call
    const first = x.connector.upsertOpportunities(batch('A', 5)); // claims the 5 customers at once
    const second = x.connector.upsertOpportunities(batch('B', 5)); // waits for A
    const [ra, rb] = await Promise.allSettled([first, second]);
    expect(ra.status === 'rejected' && ra.reason instanceof RetryableError).toBe(true);
    expect(rb.status === 'fulfilled' && okAll(rb.value)).toBe(true);
    expect(x.fake.records('Account')).toHaveLength(5);
    expect(writes(x)).toEqual(['composite', 'composite']);
    expect(x.fake.counters().query).toBe(2); // B looked the customers up itself after A gave up
  });

  it('creates a customer shared by 250 drafts once and links the second chunk by id', async () => {
    const x = await start();
    const results = await x.connector.upsertOpportunities(batch('S', 250, () => customer('Big Shared Customer')));
    expect(okAll(results)).toBe(true);
    expect(writes(x)).toEqual(['composite', 'upsertCollection']);
    expect(x.fake.records('Account')).toHaveLength(1);
    expect(new Set(x.fake.records('Opportunity').map((o) => o.AccountId)).size).toBe(1);
  });

  it('looks a cached customer up again after a write using its id failed', async () => {
    const x = await start();
    await x.connector.upsertOpportunities([draft('C-1', customer('Cached Co'))]);
    x.fake.resetCounters();
    x.fake.failRecord('C-2', 'UNABLE_TO_LOCK_ROW');
    const [failed] = await x.connector.upsertOpportunities([draft('C-2', customer('Cached Co'))]);
    expect(failed?.ok).toBe(false);
    expect(x.fake.counters().query).toBe(0);
    const [ok] = await x.connector.upsertOpportunities([draft('C-2', customer('Cached Co'))]);
    expect(ok?.ok).toBe(true);
    expect(x.fake.counters().query).toBe(1);
    expect(x.fake.records('Account')).toHaveLength(1);
  });
});
