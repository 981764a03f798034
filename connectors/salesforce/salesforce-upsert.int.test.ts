import { afterEach, describe, expect, it } from 'vitest';
import { RetryableError, ValidationError } from '../../src/errors.ts';
import type { OpportunityDraft, UpsertResult } from '../../src/ports/crm.ts';
import { startSalesforceHarness, type SalesforceHarness } from '../../test/fakes/salesforce/salesforce-harness.ts';
import { SalesforceValidationError } from './salesforce-validation-error.ts';

const draft = (id: string, fields: OpportunityDraft['fields'] = {}): OpportunityDraft => ({
  referralId: id,
  fields: { Name: `Deal ${id}`, StageName: 'Qualification', CloseDate: '2030-06-30', Amount: 1000, ...fields },
  account: null,
});
const drafts = (n: number, prefix = 'REF'): OpportunityDraft[] =>
  Array.from({ length: n }, (_, i) => draft(`${prefix}-${i}`));
const failed = (r: UpsertResult | undefined): Error => {
  if (!r || r.ok) throw new Error(`expected a failed result, got ${JSON.stringify(r)}`);
  return r.error;
};

let h: SalesforceHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('salesforce upsertOpportunities', () => {
  it('sends 450 drafts as exactly 3 collection calls and creates 450 opportunities', async () => {
    h = await startSalesforceHarness();
    const input = drafts(450);
    const results = await h.connector.upsertOpportunities(input);
    expect(h.fake.counters().upsertCollection).toBe(3);
    expect(h.fake.counters().upsertSingle).toBe(0);
    expect(results.map((r) => r.referralId)).toEqual(input.map((d) => d.referralId));
    expect(results.every((r) => r.ok && r.created)).toBe(true);
    expect(h.fake.records('Opportunity')).toHaveLength(450);
    const byRef = new Map(h.fake.records('Opportunity').map((r) => [r.Referral_Id__c, r.Id]));
    for (const r of results) if (r.ok) expect(byRef.get(r.referralId)).toBe(r.crmId);
  });

  it('is idempotent: upserting again returns the same ids with created:false', async () => {
    h = await startSalesforceHarness();
    const first = await h.connector.upsertOpportunities(drafts(250));
    const second = await h.connector.upsertOpportunities(
      drafts(250).map((d) => ({ ...d, fields: { ...d.fields, Amount: 2000 } })),
    );
    expect(second.map((r) => (r.ok ? r.crmId : null))).toEqual(first.map((r) => (r.ok ? r.crmId : null)));
    expect(second.every((r) => r.ok && !r.created)).toBe(true);
    expect(h.fake.records('Opportunity')).toHaveLength(250);
    expect(h.fake.records('Opportunity').every((r) => r.Amount === 2000)).toBe(true);
  });

  it('owns a new opportunity by the first team email that is an active user, with one User query per call', async () => {
    h = await startSalesforceHarness();
    const ana = h.fake.setRecord('User', {
      FirstName: 'Ana',
      LastName: 'Silva',
      Email: 'ana@partner.example',
      IsActive: true,
    });
    h.fake.setRecord('User', { FirstName: 'Old', LastName: 'Timer', Email: 'gone@partner.example', IsActive: false });
    const input = [
      { ...draft('OWN-1'), ownerEmails: ['gone@partner.example', 'ANA@partner.example'] },
      { ...draft('OWN-2'), ownerEmails: ['nobody@partner.example'] },
      draft('OWN-3'),
    ];
    h.fake.resetCounters();
    const results = await h.connector.upsertOpportunities(input);
    expect(results.every((r) => r.ok)).toBe(true);
    const ownerOf = (ref: string) => h?.fake.records('Opportunity').find((o) => o.Referral_Id__c === ref)?.OwnerId;
    expect(ownerOf('OWN-1')).toBe(ana);
    // No active user among the emails, or none given: the integration user owns it, as before.
    expect(ownerOf('OWN-2')).toBe(h.fake.integrationUserId);
    expect(ownerOf('OWN-3')).toBe(h.fake.integrationUserId);
    expect(h.fake.counters().query).toBe(1);

    h.fake.resetCounters();
    await h.connector.upsertOpportunities([{ ...draft('OWN-4'), ownerEmails: ['ana@partner.example'] }]);
    expect(h.fake.counters().query).toBe(0); // remembered
    expect(ownerOf('OWN-4')).toBe(ana);
  });

  it('sends a single draft as a single upsert', async () => {
    h = await startSalesforceHarness();
    const [created] = await h.connector.upsertOpportunities([draft('ONE-1')]);
    const [updated] = await h.connector.upsertOpportunities([draft('ONE-1', { StageName: 'Closed Won' })]);
    expect(h.fake.counters()).toMatchObject({ upsertSingle: 2, upsertCollection: 0, query: 0 });
    expect(created).toMatchObject({ ok: true, created: true });
    expect(updated).toEqual({ ...created, created: false });
    const [rec] = h.fake.records('Opportunity');
    expect(rec).toMatchObject({ StageName: 'Closed Won', IsClosed: true, IsWon: true });
  });

  it('finds the id by query when an update answers 204 (API < 46 behaviour)', async () => {
    h = await startSalesforceHarness({ fake: { upsertUpdateStatus: 204 } });
    const [a] = await h.connector.upsertOpportunities([draft('OLD-1')]);
    const [b] = await h.connector.upsertOpportunities([draft('OLD-1')]);
    expect(b).toEqual({ ...a, created: false });
  });

  it("fails only the record Salesforce rejects, with Salesforce's message", async () => {
    h = await startSalesforceHarness();
    const input = drafts(5);
    input[2] = { ...draft('REF-2'), fields: { Name: 'No close date', StageName: 'Prospecting' } };
    const results = await h.connector.upsertOpportunities(input);
    const err = failed(results[2]);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toBeInstanceOf(SalesforceValidationError);
    expect(err.message).toContain('Required fields are missing: [CloseDate]');
    expect((err as SalesforceValidationError).fields).toEqual(['CloseDate']);
    expect(results.filter((r) => r.ok)).toHaveLength(4);
    expect(h.fake.records('Opportunity')).toHaveLength(4);
  });

  it('reports a rejected single draft in its result instead of throwing', async () => {
    h = await startSalesforceHarness();
    const [r] = await h.connector.upsertOpportunities([draft('BAD-1', { StageName: 'Nonsense' })]);
    const err = failed(r);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toContain('bad value for restricted picklist field: [value hidden]'); // the value is customer data (#14)
    expect(err.message).not.toContain('Nonsense');
  });

  it('marks a row-lock failure retryable, in a collection and alone', async () => {
    h = await startSalesforceHarness();
    h.fake.failRecord('REF-1', 'UNABLE_TO_LOCK_ROW');
    const results = await h.connector.upsertOpportunities(drafts(3));
    expect(failed(results[1])).toBeInstanceOf(RetryableError);
    expect(results[0]?.ok && results[2]?.ok).toBe(true);
    h.fake.failRecord('SOLO-1', 'UNABLE_TO_LOCK_ROW');
    const [solo] = await h.connector.upsertOpportunities([draft('SOLO-1')]);
    expect(failed(solo)).toBeInstanceOf(RetryableError);
    const [retry] = await h.connector.upsertOpportunities([draft('SOLO-1')]);
    expect(retry).toMatchObject({ ok: true, created: true });
  });

  it('throws RetryableError on a 503 at once, without transport retries', async () => {
    h = await startSalesforceHarness();
    await h.connector.signIn();
    h.fake.resetCounters();
    h.fake.failNext(1, 503);
    const started = Date.now();
    await expect(h.connector.upsertOpportunities(drafts(3))).rejects.toBeInstanceOf(RetryableError);
    expect(Date.now() - started).toBeLessThan(400); // jsforce's first retry would wait 500 ms
    expect(h.fake.counters().total).toBe(1);
  });

  it('throws RetryableError on a 500 from a GET without retrying it either', async () => {
    h = await startSalesforceHarness();
    await h.connector.signIn();
    h.fake.resetCounters();
    h.fake.failNext(1, 500);
    await expect(h.connector.query('SELECT Id FROM Opportunity')).rejects.toBeInstanceOf(RetryableError);
    expect(h.fake.counters().total).toBe(1);
  });

  it('rejects referral ids that are not URL-safe without calling Salesforce', async () => {
    h = await startSalesforceHarness();
    const results = await h.connector.upsertOpportunities([draft('a/b'), draft('x.inc'), draft('ok-1')]);
    expect(failed(results[0])).toBeInstanceOf(ValidationError);
    expect(failed(results[1])).toBeInstanceOf(ValidationError);
    expect(results[2]).toMatchObject({ ok: true });
    expect(h.fake.counters()).toMatchObject({ upsertSingle: 1, upsertCollection: 0 });
  });

  it('sends a referral listed twice once and reports it for both', async () => {
    h = await startSalesforceHarness();
    const results = await h.connector.upsertOpportunities([
      draft('DUP-1', { Amount: 1 }),
      draft('DUP-2'),
      draft('DUP-1', { Amount: 2 }),
    ]);
    expect(results[0]).toEqual(results[2]);
    expect(h.fake.records('Opportunity').find((r) => r.Referral_Id__c === 'DUP-1')?.Amount).toBe(2);
  });

  it('returns [] for no drafts without signing in', async () => {
    h = await startSalesforceHarness();
    expect(await h.connector.upsertOpportunities([])).toEqual([]);
    expect(h.fake.counters().total).toBe(0);
  });
});
