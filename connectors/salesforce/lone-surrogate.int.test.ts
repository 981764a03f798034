import { afterEach, expect, it } from 'vitest';
import type { AccountDraft, OpportunityDraft } from '../../src/ports/crm.ts';
import { startSalesforceHarness, type SalesforceHarness } from '../../test/fakes/salesforce/salesforce-harness.ts';

const customer = (name: string): AccountDraft => ({
  match: { Name: name, BillingCountry: 'DE' },
  fields: { Name: name, BillingCountry: 'DE' },
});
const draft = (id: string, name: string): OpportunityDraft => ({
  referralId: id,
  fields: { Name: `Deal ${id}`, StageName: 'Prospecting', CloseDate: '2030-01-31' },
  account: customer(name),
});

let h: SalesforceHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it('a lone surrogate in one customer name does not fail the 8 other referrals of the lookup batch (#14)', async () => {
  h = await startSalesforceHarness();
  const valid = Array.from({ length: 8 }, (_, i) => draft(`V-${i}`, `Customer ${i}`));
  const results = await h.connector.upsertOpportunities([...valid, draft('BAD-1', 'Broken \uD800 GmbH')]);
  expect(results.slice(0, 8).map((r) => r.ok)).toEqual(Array(8).fill(true));
});

it('writes the customer with the lone surrogate replaced (#14)', async () => {
  h = await startSalesforceHarness();
  const [result] = await h.connector.upsertOpportunities([draft('BAD-2', 'Broken \uDC00 GmbH')]);
  expect(result?.ok).toBe(true);
  expect(h.fake.records('Account').map((a) => a.Name)).toEqual(['Broken \uFFFD GmbH']);
});
