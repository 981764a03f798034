import { afterEach, describe, expect, it } from 'vitest';
import { RateLimitedError, RetryableError, ValidationError } from '../../src/errors.ts';
import type { OpportunityDraft } from '../../src/ports/crm.ts';
import { startDataverseHarness, type DataverseHarness } from '../../test/fakes/dataverse/dataverse-harness.ts';
import { BASE_CURRENCY_ID, CURRENCIES } from '../../test/fakes/dataverse/store.ts';
import { DataverseValidationError } from './classify-dataverse-error.ts';
import type { DynamicsUpsertResult } from './upsert-opportunities.ts';

const customer = (n: number): OpportunityDraft['account'] => ({
  match: { name: `Customer ${n}`, address1_postalcode: `${10000 + n}` },
  fields: { name: `Customer ${n}`, address1_postalcode: `${10000 + n}`, address1_city: 'Berlin' },
});
const draft = (
  id: string,
  fields: OpportunityDraft['fields'] = {},
  account: OpportunityDraft['account'] = null,
): OpportunityDraft => ({
  referralId: id,
  fields: {
    name: `Deal ${id}`,
    estimatedvalue: 1000,
    isrevenuesystemcalculated: false,
    estimatedclosedate: '2030-06-30',
    ...fields,
  },
  account,
});
const drafts = (n: number, customers = 10): OpportunityDraft[] =>
  Array.from({ length: n }, (_, i) => draft(`REF-${i}`, {}, customer(i % customers)));
const failed = (r: DynamicsUpsertResult | undefined): Error => {
  if (!r || r.ok) throw new Error(`expected a failed result, got ${JSON.stringify(r)}`);
  return r.error;
};
const opportunityBatches = (h: DataverseHarness) => h.fake.batches.filter((b) => b.targets.includes('opportunities'));

let h: DataverseHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('dynamics upsertOpportunities', () => {
  it('writes 500 drafts of 10 new customers as one $batch call, then re-runs onto the same rows (#8)', async () => {
    h = await startDataverseHarness();
    const input = drafts(500);
    const results = await h.connector.upsertOpportunities(input);
    // The 10 new accounts ride ahead of the opportunities in the same $batch: one write call.
    expect(h.fake.batches).toEqual([{ requests: 510, changesets: 510, targets: ['accounts', 'opportunities'] }]);
    expect(h.fake.counters.upsert).toBe(0);
    expect(results.map((r) => r.referralId)).toEqual(input.map((d) => d.referralId));
    expect(results.every((r) => r.ok && r.created)).toBe(true);
    const rows = h.fake.records('opportunities');
    expect(rows).toHaveLength(500);
    expect(h.fake.records('accounts')).toHaveLength(10);
    const byRef = new Map(rows.map((r) => [r.new_referralid, r]));
    for (const r of results) if (r.ok) expect(byRef.get(r.referralId)?.opportunityid).toBe(r.crmId);
    expect(new Set(rows.map((r) => r._customerid_value)).size).toBe(10);

    h.fake.resetCounters();
    const again = await h.connector.upsertOpportunities(
      input.map((d) => ({ ...d, fields: { ...d.fields, estimatedvalue: 2000 } })),
    );
    expect(again.map((r) => (r.ok ? r.crmId : null))).toEqual(results.map((r) => (r.ok ? r.crmId : null)));
    expect(again.every((r) => r.ok && !r.created)).toBe(true);
    expect(opportunityBatches(h)).toHaveLength(1);
    // Accounts are found by their match columns now: nothing created, nothing written.
    expect(h.fake.batches).toHaveLength(1);
    expect(h.fake.records('accounts')).toHaveLength(10);
    expect(h.fake.records('opportunities').every((r) => r.estimatedvalue === 2000)).toBe(true);
  });

  it('two concurrent calls needing the same new customers write each account once (#8)', async () => {
    h = await startDataverseHarness({ fake: { latencyMs: 30 } });
    const first = Array.from({ length: 300 }, (_, i) => draft(`A-${i}`, {}, customer(i % 5)));
    const second = Array.from({ length: 300 }, (_, i) => draft(`B-${i}`, {}, customer(i % 5)));
    const [a, b] = await Promise.all([h.connector.upsertOpportunities(first), h.connector.upsertOpportunities(second)]);
    expect([...a, ...b].every((r) => r.ok && r.created)).toBe(true);
    expect(h.fake.records('accounts')).toHaveLength(5);
    // 5 account upserts in all: the second call waited for the first one's instead of repeating them.
    expect(h.fake.batches.map((x) => x.requests).sort((x, y) => x - y)).toEqual([300, 305]);
    const accountOf = new Map(h.fake.records('accounts').map((r) => [r.accountid, r.name]));
    for (const row of h.fake.records('opportunities')) expect(accountOf.has(row._customerid_value)).toBe(true);
  });

  it('owns a new opportunity by the first team email that is an enabled user', async () => {
    h = await startDataverseHarness();
    const ana = String(
      h.fake.seed('systemusers', {
        firstname: 'Ana',
        lastname: 'Silva',
        internalemailaddress: 'ana@partner.example',
        isdisabled: false,
      }).systemuserid,
    );
    h.fake.seed('systemusers', {
      firstname: 'Old',
      lastname: 'Timer',
      internalemailaddress: 'gone@partner.example',
      isdisabled: true,
    });
    const results = await h.connector.upsertOpportunities([
      { ...draft('OWN-1'), ownerEmails: ['gone@partner.example', 'Ana@Partner.example'] },
      { ...draft('OWN-2'), ownerEmails: ['nobody@partner.example'] },
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    const row = (ref: string) => h?.fake.records('opportunities').find((o) => o.new_referralid === ref);
    expect(row('OWN-1')).toMatchObject({
      _ownerid_value: ana,
      '_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser',
    });
    // No enabled user among the emails: the application user keeps it.
    expect(row('OWN-2')?._ownerid_value).not.toBe(ana);
  });

  it('remembers customer accounts: a later call for the same customers looks none up', async () => {
    h = await startDataverseHarness();
    const lookups: string[] = [];
    h.fake.onRequest((route, url) => {
      if (route === 'query' && url.pathname.endsWith('/accounts')) lookups.push(url.search);
    });
    await h.connector.upsertOpportunities(drafts(50, 5));
    expect(lookups).toHaveLength(1);
    await h.connector.upsertOpportunities(
      Array.from({ length: 20 }, (_, i) => draft(`LATER-${i}`, {}, customer(i % 5))),
    );
    expect(lookups).toHaveLength(1);
    expect(h.fake.records('accounts')).toHaveLength(5);
    expect(new Set(h.fake.records('opportunities').map((o) => o._customerid_value)).size).toBe(5);
  });

  it('sends a single draft as a single PATCH by alternate key', async () => {
    h = await startDataverseHarness();
    const [created] = await h.connector.upsertOpportunities([draft('ONE-1')]);
    const [updated] = await h.connector.upsertOpportunities([draft('ONE-1', { name: 'Renamed' })]);
    expect(h.fake.counters).toMatchObject({ upsert: 2, batch: 0 });
    expect(created).toMatchObject({ ok: true, created: true });
    expect(updated).toEqual({ ...created, created: false });
    expect(h.fake.records('opportunities')).toMatchObject([{ new_referralid: 'ONE-1', name: 'Renamed' }]);
  });

  it("fails only the record Dataverse rejects, with Dataverse's message", async () => {
    h = await startDataverseHarness();
    const input = drafts(5, 1);
    input[2] = draft('REF-2', { name: 'x'.repeat(301) });
    const results = await h.connector.upsertOpportunities(input);
    const err = failed(results[2]);
    expect(err).toBeInstanceOf(DataverseValidationError);
    expect(err.message).toContain("The length of the 'name' attribute");
    expect(results.filter((r) => r.ok)).toHaveLength(4);
    expect(h.fake.records('opportunities')).toHaveLength(4);
  });

  it('reports a rejected single draft in its result instead of throwing', async () => {
    h = await startDataverseHarness();
    const [r] = await h.connector.upsertOpportunities([draft('BAD-1', { name: 'x'.repeat(301) })]);
    expect(failed(r)).toBeInstanceOf(ValidationError);
  });

  it('throws RateLimitedError with Retry-After on a 429 for the call', async () => {
    h = await startDataverseHarness();
    h.fake.failNext(1, { status: 429, retryAfter: '1' });
    const err = await h.connector.upsertOpportunities(drafts(3)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(1000);
    // The next attempt (BullMQ's) goes through.
    expect((await h.connector.upsertOpportunities(drafts(3))).every((r) => r.ok)).toBe(true);
  });

  it('keeps a 429 on one request of a $batch in that record', async () => {
    h = await startDataverseHarness();
    h.fake.failWrites(({ key }) => key === 'REF-1', {
      status: 429,
      code: '0x80072322',
      message: 'Number of requests exceeded the limit',
      retryAfter: '2',
    });
    const results = await h.connector.upsertOpportunities(drafts(3));
    expect(failed(results[1])).toMatchObject({ name: 'RateLimitedError', retryAfterMs: 2000 });
    expect(results.filter((r) => r.ok)).toHaveLength(2);
  });

  it('reports a duplicate-key race as retryable (the next attempt updates)', async () => {
    h = await startDataverseHarness();
    const race = { status: 412, code: '0x80060892', message: 'A record with matching key values already exists.' };
    h.fake.failWrites(({ table, key }) => table === 'opportunities' && (key === 'REF-1' || key === 'SOLO'), race, 2);
    const results = await h.connector.upsertOpportunities(drafts(3));
    expect(failed(results[1])).toBeInstanceOf(RetryableError);
    const [solo] = await h.connector.upsertOpportunities([draft('SOLO')]);
    expect(failed(solo)).toBeInstanceOf(RetryableError);
    expect((await h.connector.upsertOpportunities([draft('SOLO')]))[0]).toMatchObject({ ok: true, created: true });
  });

  it('does not edit a closed opportunity and says so in the result', async () => {
    h = await startDataverseHarness();
    const [won] = await h.connector.upsertOpportunities([draft('WON-1')]);
    if (!won?.ok) throw new Error('setup');
    await h.connector.closeOpportunity(won.crmId, 'won', { subject: 'Signed' });
    h.fake.resetCounters();
    const results = await h.connector.upsertOpportunities([draft('WON-1', { name: 'Edited later' }), draft('OPEN-1')]);
    expect(results[0]).toEqual({
      referralId: 'WON-1',
      ok: true,
      crmId: won.crmId,
      created: false,
      skipped: 'closed-won',
    });
    expect(results[1]).toMatchObject({ ok: true, created: true });
    expect(h.fake.counters.upsert).toBe(1); // only OPEN-1 was written
    expect(h.fake.records('opportunities').find((r) => r.new_referralid === 'WON-1')?.name).toBe('Deal WON-1');
  });

  it('skips an opportunity a seller closed between the check and the write', async () => {
    h = await startDataverseHarness();
    const [first] = await h.connector.upsertOpportunities([draft('LATE-1')]);
    if (!first?.ok) throw new Error('setup');
    const fake = h.fake;
    fake.failWrites(
      ({ key }) => {
        if (key !== 'LATE-1') return false;
        fake.updateAsUser(first.crmId, { statecode: 2, statuscode: 4 });
        return true;
      },
      { status: 400, code: '0x80040203', message: 'The opportunity is closed and cannot be edited.' },
    );
    const results = await h.connector.upsertOpportunities([draft('LATE-1', { name: 'x' }), draft('LATE-2')]);
    expect(results[0]).toMatchObject({ ok: true, crmId: first.crmId, skipped: 'closed-lost' });
    expect(results[1]).toMatchObject({ ok: true, created: true });
  });

  it('refuses referral ids that break key access, and sends a repeated referral once', async () => {
    h = await startDataverseHarness();
    const results = await h.connector.upsertOpportunities([
      draft('A/B'),
      draft('DUP', { name: 'first' }),
      draft('DUP', { name: 'second' }),
      draft("O'Neil"),
    ]);
    expect(failed(results[0]).message).toContain('contains "/"');
    expect(results[1]).toEqual(results[2]);
    expect(results[3]).toMatchObject({ ok: true });
    expect(
      h.fake
        .records('opportunities')
        .map((r) => [r.new_referralid, r.name])
        .sort(),
    ).toEqual([
      ['DUP', 'second'],
      ["O'Neil", "Deal O'Neil"],
    ]);
  });

  it('binds an ISO currency code to the transactioncurrency row, looked up once', async () => {
    h = await startDataverseHarness();
    const results = await h.connector.upsertOpportunities([
      draft('C-1', { transactioncurrencyid: 'usd' }),
      draft('C-2', { transactioncurrencyid: 'XYZ' }),
      draft('C-3', { transactioncurrencyid: null }),
    ]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(failed(results[1]).message).toContain("currency 'XYZ' is not an active currency");
    expect(results[2]).toMatchObject({ ok: true });
    const byRef = new Map(h.fake.records('opportunities').map((r) => [r.new_referralid, r]));
    expect(byRef.get('C-1')?._transactioncurrencyid_value).toBe(CURRENCIES[1]?.transactioncurrencyid);
    // No currency sent: Dataverse gives a new row the environment's base currency (USD in the fake).
    expect(byRef.get('C-3')?._transactioncurrencyid_value).toBe(BASE_CURRENCY_ID);
    h.fake.resetCounters();
    await h.connector.upsertOpportunities([draft('C-1', { transactioncurrencyid: 'USD' })]);
    expect(h.fake.counters.query).toBe(1); // the closed check only: USD is known now
  });

  it('splits at maxBatch', async () => {
    h = await startDataverseHarness({ connector: { maxBatch: 40 } });
    expect(h.connector.maxBatchSize).toBe(40);
    const results = await h.connector.upsertOpportunities(drafts(100, 1));
    expect(results.every((r) => r.ok)).toBe(true);
    // maxBatch counts requests (Dataverse: 1000 per $batch): the new account's upsert is one.
    expect(h.fake.batches.map((b) => b.requests)).toEqual([40, 40, 21]);
    expect(new Set(h.fake.records('opportunities').map((r) => r._customerid_value)).size).toBe(1);
  });
});
