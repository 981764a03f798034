import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.ts';
import type { AccountDraft, OpportunityDraft } from '../../src/ports/crm.ts';
import { startDataverseHarness, type DataverseHarness } from '../../test/fakes/dataverse/dataverse-harness.ts';
import { accountKey } from './account-key.ts';

const account = (name: string, postal: string | null, city = 'Berlin'): AccountDraft => ({
  match: { name, address1_postalcode: postal },
  fields: { name, address1_postalcode: postal, address1_city: city },
});
const draft = (id: string, acc: AccountDraft | null): OpportunityDraft => ({
  referralId: id,
  fields: { name: `Deal ${id}` },
  account: acc,
});

let h: DataverseHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('dynamics customer accounts', () => {
  it('creates one account for 20 drafts of one new customer sent by two workers at once', async () => {
    // Latency makes both workers query before either creates: the race the key exists for.
    h = await startDataverseHarness({ fake: { latencyMs: 30 } });
    const a = h.connector;
    const b = h.another();
    const wanted = account('Northwind Traders', '10115');
    const [first, second] = await Promise.all([
      a.upsertOpportunities(Array.from({ length: 10 }, (_, i) => draft(`A-${i}`, wanted))),
      b.upsertOpportunities(Array.from({ length: 10 }, (_, i) => draft(`B-${i}`, wanted))),
    ]);
    expect([...(first ?? []), ...(second ?? [])].every((r) => r.ok)).toBe(true);
    const accounts = h.fake.records('accounts');
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({
      name: 'Northwind Traders',
      address1_postalcode: '10115',
      new_referralsynckey: accountKey(wanted.match),
    });
    const opportunities = h.fake.records('opportunities');
    expect(opportunities).toHaveLength(20);
    expect(new Set(opportunities.map((o) => o._customerid_value))).toEqual(new Set([accounts[0]?.accountid]));
  });

  it('binds the opportunities by key to the account another worker created first, though our account write lost the race', async () => {
    h = await startDataverseHarness();
    const fabrikam = account('Fabrikam', '80331');
    const fake = h.fake;
    // Another worker creates the account after our look-up and before our $batch runs; our
    // account upsert then loses the key race (412), as Dataverse answers the loser.
    fake.onRequest((route) => {
      if (route !== 'batch') return;
      fake.onRequest(undefined);
      fake.seed('accounts', {
        name: 'Fabrikam',
        address1_postalcode: '80331',
        new_referralsynckey: accountKey(fabrikam.match),
      });
    });
    h.fake.failWrites(({ table }) => table === 'accounts', {
      status: 412,
      code: '0x80060892',
      message: 'A record with matching key values already exists.',
    });
    const results = await h.connector.upsertOpportunities([draft('R-1', fabrikam), draft('R-2', fabrikam)]);
    expect(results.every((r) => r.ok)).toBe(true);
    const accounts = h.fake.records('accounts');
    expect(accounts).toHaveLength(1);
    expect(new Set(h.fake.records('opportunities').map((o) => o._customerid_value))).toEqual(
      new Set([accounts[0]?.accountid]),
    );
    expect(h.fake.counters.batch).toBe(1);
  });

  it("fails the opportunities of a customer whose account is rejected with the account's error, and writes the rest (#8)", async () => {
    h = await startDataverseHarness();
    const results = await h.connector.upsertOpportunities([
      draft('R-1', account('x'.repeat(301), '1')),
      draft('R-2', account('Fine', '2')),
      draft('R-3', account('x'.repeat(301), '1')),
    ]);
    for (const r of [results[0], results[2]]) {
      expect(r).toMatchObject({ ok: false, error: expect.any(ValidationError) });
      expect(r?.ok === false && r.error.message).toContain("The length of the 'name' attribute");
    }
    expect(results[1]).toMatchObject({ ok: true, created: true });
    expect(h.fake.records('accounts').map((a) => a.name)).toEqual(['Fine']);
    expect(h.fake.records('opportunities').map((o) => o.new_referralid)).toEqual(['R-2']);
  });

  it('sends one draft of a new customer and its account as one $batch call, not two PATCHes (#8)', async () => {
    h = await startDataverseHarness();
    const [r] = await h.connector.upsertOpportunities([draft('R-1', account('Litware', '4000'))]);
    expect(r).toMatchObject({ ok: true, created: true });
    expect(h.fake.counters).toMatchObject({ batch: 1, upsert: 0 });
    expect(h.fake.batches).toEqual([{ requests: 2, changesets: 2, targets: ['accounts', 'opportunities'] }]);
    const [created] = h.fake.records('accounts');
    expect(h.fake.records('opportunities')[0]?._customerid_value).toBe(created?.accountid);
  });

  it('binds to an existing account matched case-insensitively on the match columns, without writing it', async () => {
    h = await startDataverseHarness();
    const existing = h.fake.seed('accounts', {
      name: "O'Brien & Sons",
      address1_postalcode: '02110',
      address1_city: 'Boston',
    });
    h.fake.resetCounters();
    const [r] = await h.connector.upsertOpportunities([
      draft('R-1', account("  o'brien & SONS ", '02110', 'Somewhere else')),
    ]);
    expect(r).toMatchObject({ ok: true });
    expect(h.fake.records('accounts')).toHaveLength(1);
    expect(h.fake.records('accounts')[0]).toMatchObject({
      address1_city: 'Boston',
      versionnumber: existing.versionnumber,
    });
    expect(h.fake.records('opportunities')[0]?._customerid_value).toBe(existing.accountid);
    expect(h.fake.counters).toMatchObject({ upsert: 1, batch: 0 });
  });

  it('matches a missing postal code as an empty one, and keeps customers with the same name apart', async () => {
    h = await startDataverseHarness();
    const noPostal = h.fake.seed('accounts', { name: 'Contoso', address1_postalcode: null });
    const results = await h.connector.upsertOpportunities([
      draft('R-1', account('Contoso', null)),
      draft('R-2', account('Contoso', '')),
      draft('R-3', account('Contoso', '75001')),
    ]);
    const ids = h.fake
      .records('opportunities')
      .sort((x, y) => String(x.new_referralid).localeCompare(String(y.new_referralid)))
      .map((o) => o._customerid_value);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(ids[0]).toBe(noPostal.accountid);
    expect(ids[1]).toBe(noPostal.accountid);
    expect(ids[2]).not.toBe(noPostal.accountid);
    expect(h.fake.records('accounts')).toHaveLength(2);
  });

  it('finds an account it created earlier by its key even after a user renamed it', async () => {
    h = await startDataverseHarness();
    await h.connector.upsertOpportunities([draft('R-1', account('Adatum', '1010'))]);
    const [created] = h.fake.records('accounts');
    h.fake.updateAsUser(String(created?.accountid), { name: 'Adatum Corporation' }, 'accounts');
    await h.connector.upsertOpportunities([draft('R-2', account('Adatum', '1010'))]);
    expect(h.fake.records('accounts')).toHaveLength(1);
    expect(new Set(h.fake.records('opportunities').map((o) => o._customerid_value)).size).toBe(1);
  });

  it('fails only the drafts whose account cannot be matched', async () => {
    h = await startDataverseHarness();
    const results = await h.connector.upsertOpportunities([
      draft('R-1', { match: { 'Name; drop': 'x' }, fields: {} }),
      draft('R-2', { match: {}, fields: {} }),
      draft('R-3', account('Fine', '1')),
    ]);
    expect(results[0]).toMatchObject({ ok: false, error: expect.any(ValidationError) });
    expect(results[1]).toMatchObject({ ok: false, error: expect.any(ValidationError) });
    expect(results[2]).toMatchObject({ ok: true });
  });

  it("looks 300 distinct customers up in URL-sized chunks and creates them in the opportunities' $batch (#8)", async () => {
    h = await startDataverseHarness();
    const input = Array.from({ length: 300 }, (_, i) => draft(`R-${i}`, account(`Customer ${i}`, String(10000 + i))));
    const results = await h.connector.upsertOpportunities(input);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(h.fake.records('accounts')).toHaveLength(300);
    // One write call: the 300 account upserts first, then the 300 opportunities bound to them by key.
    expect(h.fake.batches).toEqual([{ requests: 600, changesets: 600, targets: ['accounts', 'opportunities'] }]);
    expect(h.fake.counters.upsert).toBe(0);
    // One query for closed opportunities; the account conditions (~180 encoded characters per
    // customer) fill two URLs below Dataverse's 32,768-character limit.
    expect(h.fake.counters.query).toBe(3);
  });
});
