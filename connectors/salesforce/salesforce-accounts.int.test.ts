import { afterEach, describe, expect, it } from 'vitest';
import { RetryableError, ValidationError } from '../../src/errors.ts';
import type { AccountDraft, OpportunityDraft } from '../../src/ports/crm.ts';
import { startSalesforceHarness, type SalesforceHarness } from '../../test/fakes/salesforce/salesforce-harness.ts';
import { accountKey } from './account-key.ts';

const customer = (name: string, country = 'DE'): AccountDraft => ({
  match: { Name: name, BillingCountry: country },
  fields: { Name: name, BillingCountry: country, Website: 'https://example.test' },
});
const draft = (id: string, account: AccountDraft | null): OpportunityDraft => ({
  referralId: id,
  fields: { Name: `Deal ${id}`, StageName: 'Prospecting', CloseDate: '2030-01-31' },
  account,
});
const accountIdOf = (h: SalesforceHarness, referralId: string): unknown =>
  h.fake.records('Opportunity').find((r) => r.Referral_Id__c === referralId)?.AccountId;

let h: SalesforceHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('salesforce customer accounts', () => {
  it('uses an existing account that matches (the oldest of several), case-insensitively', async () => {
    h = await startSalesforceHarness();
    const older = h.fake.setRecord('Account', {
      Name: 'Contoso GmbH',
      BillingCountry: 'DE',
      CreatedDate: '2020-01-01T00:00:00.000+0000',
    });
    h.fake.setRecord('Account', {
      Name: 'contoso gmbh',
      BillingCountry: 'de',
      CreatedDate: '2023-01-01T00:00:00.000+0000',
    });
    h.fake.setRecord('Account', {
      Name: 'Contoso GmbH',
      BillingCountry: 'AT',
      CreatedDate: '2019-01-01T00:00:00.000+0000',
    });
    const results = await h.connector.upsertOpportunities([
      draft('A-1', customer(' Contoso GmbH ')),
      draft('A-2', customer('CONTOSO GMBH')),
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(accountIdOf(h, 'A-1')).toBe(older);
    expect(accountIdOf(h, 'A-2')).toBe(older);
    expect(h.fake.records('Account')).toHaveLength(3);
    expect(h.fake.counters()).toMatchObject({ query: 1, upsertCollection: 1 });
  });

  it('creates a new customer once for 20 drafts in two concurrent calls', async () => {
    h = await startSalesforceHarness({ fake: { latencyMs: 10 } });
    const acme = customer('Acme Corp', 'US');
    const batch = (from: number): OpportunityDraft[] =>
      Array.from({ length: 10 }, (_, i) => draft(`ACME-${from + i}`, acme));
    const [a, b] = await Promise.all([
      h.connector.upsertOpportunities(batch(0)),
      h.connector.upsertOpportunities(batch(10)),
    ]);
    expect([...(a ?? []), ...(b ?? [])].every((r) => r.ok)).toBe(true);
    const accounts = h.fake.records('Account');
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({
      Name: 'Acme Corp',
      BillingCountry: 'US',
      Referral_Sync_Key__c: accountKey(acme.match),
    });
    const ids = new Set(h.fake.records('Opportunity').map((o) => o.AccountId));
    expect([...ids]).toEqual([accounts[0]?.Id]);
  });

  it('finds an account it created earlier by its key even after a rename', async () => {
    h = await startSalesforceHarness();
    await h.connector.upsertOpportunities([draft('K-1', customer('Fabrikam'))]);
    const [acc] = h.fake.records('Account');
    h.fake.updateAsUser(String(acc?.Id), { Name: 'Fabrikam Holding AG' });
    await h.connector.upsertOpportunities([draft('K-2', customer('Fabrikam'))]);
    expect(h.fake.records('Account')).toHaveLength(1);
    expect(accountIdOf(h, 'K-2')).toBe(acc?.Id);
    expect(h.fake.records('Account')[0]?.Name).toBe('Fabrikam Holding AG'); // not overwritten
  });

  it('escapes quotes and backslashes in match values', async () => {
    h = await startSalesforceHarness();
    const odd = 'O\'Brien \\ Sons "Ltd"';
    const existing = h.fake.setRecord('Account', { Name: odd, BillingCountry: 'IE' });
    const results = await h.connector.upsertOpportunities([
      draft('Q-1', customer(odd, 'IE')),
      draft('Q-2', customer("x' OR Name != '", 'IE')),
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(accountIdOf(h, 'Q-1')).toBe(existing);
    expect(accountIdOf(h, 'Q-2')).not.toBe(existing);
    expect(h.fake.records('Account')).toHaveLength(2);
  });

  it('fails only the drafts whose account fails', async () => {
    h = await startSalesforceHarness();
    h.fake.failRecord(accountKey(customer('Locked Inc').match), 'UNABLE_TO_LOCK_ROW');
    const results = await h.connector.upsertOpportunities([
      draft('F-1', customer('Locked Inc')),
      draft('F-2', customer('Fine Ltd')),
      draft('F-3', customer('Locked Inc')),
      draft('F-4', null),
      draft('F-5', { match: {}, fields: {} }),
    ]);
    expect(results.map((r) => r.ok)).toEqual([false, true, false, true, false]);
    const errors = results.map((r) => (r.ok ? null : r.error));
    expect(errors[0]).toBeInstanceOf(RetryableError);
    expect(errors[2]).toBeInstanceOf(RetryableError);
    expect(errors[4]).toBeInstanceOf(ValidationError);
    expect(
      h.fake
        .records('Opportunity')
        .map((o) => o.Referral_Id__c)
        .sort(),
    ).toEqual(['F-2', 'F-4']);
  });

  it('reports an account Salesforce rejects as a validation failure of its drafts', async () => {
    h = await startSalesforceHarness();
    const [r] = await h.connector.upsertOpportunities([draft('V-1', { match: { Name: 'N'.repeat(300) }, fields: {} })]);
    expect(r?.ok).toBe(false);
    if (r && !r.ok) expect(r.error.message).toContain('STRING_TOO_LONG');
  });

  it('splits the lookup into several queries when the SOQL would be too long', async () => {
    h = await startSalesforceHarness();
    const many = Array.from({ length: 200 }, (_, i) =>
      draft(`M-${i}`, customer(`Customer number ${i} with a fairly long legal name GmbH & Co. KG`)),
    );
    const results = await h.connector.upsertOpportunities(many);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(h.fake.counters().query).toBeGreaterThan(1);
    expect(h.fake.records('Account')).toHaveLength(200);
    const again = await h.connector.upsertOpportunities(many);
    expect(again.every((r) => r.ok && !r.created)).toBe(true);
    expect(h.fake.records('Account')).toHaveLength(200);
  });
});
