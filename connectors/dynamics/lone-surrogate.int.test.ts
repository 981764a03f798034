import { afterEach, expect, it } from 'vitest';
import type { AccountDraft, OpportunityDraft } from '../../src/ports/crm.ts';
import { startDataverseHarness, type DataverseHarness } from '../../test/fakes/dataverse/dataverse-harness.ts';

const account = (name: string): AccountDraft => ({
  match: { name, address1_postalcode: '10115' },
  fields: { name, address1_postalcode: '10115' },
});
const draft = (id: string, name: string): OpportunityDraft => ({
  referralId: id,
  fields: { name: `Deal ${id}` },
  account: account(name),
});

let h: DataverseHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it('a lone surrogate in one customer name does not fail the 8 other referrals of the lookup batch (#14)', async () => {
  h = await startDataverseHarness();
  const valid = Array.from({ length: 8 }, (_, i) => draft(`V-${i}`, `Customer ${i}`));
  const results = await h.connector.upsertOpportunities([...valid, draft('BAD-1', 'Broken \uD800 GmbH')]);
  expect(results.slice(0, 8).map((r) => r.ok)).toEqual(Array(8).fill(true));
});

it('a lone surrogate in a referral id does not fail the other upserts (#14)', async () => {
  h = await startDataverseHarness();
  const results = await h.connector.upsertOpportunities([draft('OK-1', 'Fine'), draft('BAD-\uDC00', 'Fine')]);
  expect(results[0]?.ok).toBe(true);
});
