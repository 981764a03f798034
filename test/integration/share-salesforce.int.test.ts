import { afterEach, describe, expect, it } from 'vitest';
import { syncOnce } from '../../jobs/sync-once.ts';
import { waitFor } from '../faults/fault-kit.ts';
import { idle, startStack, type Stack, type StackOptions } from './harness.ts';

/*
 * Issue 16: a seller ticks "Sync with Partner Center" on a Salesforce opportunity and Partner
 * Center gets exactly one referral, linked both ways, which then syncs like any other. Real Redis,
 * BullMQ, jsforce and axios against the fakes.
 */

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(o: Partial<StackOptions> = {}): Promise<Stack> {
  stack = await startStack({ outbound: true, share: true, ...o });
  return stack;
}

/** A seller's opportunity with its account and customer contact, not shared yet. */
function sellersOpportunity(s: Stack, fields: Record<string, string | number | boolean | null> = {}): string {
  const accountId = s.sf.fake.setRecord('Account', { Name: 'Fabrikam Foods GmbH', BillingCountry: 'DE' });
  const contactId = s.sf.fake.setRecord('Contact', {
    FirstName: 'Jonas',
    LastName: 'Keller',
    Email: 'jonas.keller@fabrikam.example',
    AccountId: accountId,
  });
  return s.sf.fake.setRecord('Opportunity', {
    Name: 'Fabrikam data platform',
    StageName: 'Qualification',
    CloseDate: '2026-09-30',
    Amount: 120_000,
    AccountId: accountId,
    Referral_Contact__c: contactId,
    Partner_Center_Solutions__c: 'SOL-12345-FAB',
    ...fields,
  });
}

/** What the seller does: tick the flag (and pick a help type for a co-sell). */
const share = (s: Stack, oppId: string, help: string | null = 'Proof of concept/demo') =>
  s.sf.fake.updateAsUser(oppId, { Sync_With_Partner_Center__c: true, How_Can_Microsoft_Help__c: help });

async function sharePoll(s: Stack): Promise<void> {
  const sh = s.rt.shares[0];
  if (!sh) throw new Error('sharing is on in these tests');
  await sh.poll();
  // Retries included: a share job retried after a lost answer is delayed by its backoff.
  await waitFor(
    'the share queue to settle',
    async () => {
      const c = await sh.shareQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(c).every((n) => n === 0);
    },
    60_000,
  );
}

const createdFor = (s: Stack, oppId: string) => s.pc.all().filter((r) => r.externalReferenceId === oppId);

describe('sharing a Salesforce opportunity with Microsoft', () => {
  it('creates exactly one co-sell referral, linked both ways', async () => {
    const s = await start();
    const oppId = sellersOpportunity(s);
    share(s, oppId);
    await sharePoll(s);
    await sharePoll(s);

    const created = createdFor(s, oppId);
    expect(created).toHaveLength(1);
    const referral = created[0] as Record<string, unknown>;
    expect(referral).toMatchObject({
      type: 'Shared',
      name: 'Fabrikam data platform',
      customerProfile: {
        name: 'Fabrikam Foods GmbH',
        address: { country: 'DE' },
        team: [{ firstName: 'Jonas', lastName: 'Keller', email: 'jonas.keller@fabrikam.example' }],
      },
      consent: { consentToShareReferralWithMicrosoftSellers: true },
      details: {
        dealValue: 120_000,
        // The default mapping names no currency field: a single-currency org's currency.
        currency: 'USD',
        closingDateTime: '2026-09-30T00:00:00Z',
        requirements: { solutions: [{ id: 'SOL-12345-FAB' }] },
      },
    });
    const opp = s.sf.fake.record('Opportunity', oppId);
    expect(opp?.Referral_Id__c).toBe(referral.id);
    expect(String(opp?.Referral_Link__c)).toContain(String(referral.id));
    expect(opp?.Referral_Sync_Message__c ?? null).toBeNull();
  });

  it('a create whose answer is lost makes no second referral (the retry finds the first)', async () => {
    const s = await start();
    const oppId = sellersOpportunity(s);
    share(s, oppId);
    s.pc.loseNextCreateAnswer('drop-after-create');
    await sharePoll(s);

    expect(s.pc.creates.filter((c) => c.outcome === 'created')).toHaveLength(1);
    expect(createdFor(s, oppId)).toHaveLength(1);
    expect(s.sf.fake.record('Opportunity', oppId)?.Referral_Id__c).toBe(createdFor(s, oppId)[0]?.id);
  });

  it('a create that times out makes no second referral either', async () => {
    const s = await start({ pcTimeoutMs: 1_000 });
    const oppId = sellersOpportunity(s);
    share(s, oppId);
    s.pc.loseNextCreateAnswer('hang-after-create');
    await sharePoll(s);

    expect(s.pc.creates.filter((c) => c.outcome === 'created')).toHaveLength(1);
    expect(s.sf.fake.record('Opportunity', oppId)?.Referral_Id__c).toBe(createdFor(s, oppId)[0]?.id);
  });

  it('missing fields: nothing is sent, the seller reads which, and the dashboard lists it', async () => {
    const s = await start();
    const oppId = sellersOpportunity(s, { Referral_Contact__c: null, Partner_Center_Solutions__c: null });
    share(s, oppId);
    await sharePoll(s);

    expect(s.pc.creates).toEqual([]);
    expect(s.sf.fake.record('Opportunity', oppId)?.Referral_Sync_Message__c).toBe(
      'Not shared with Microsoft yet: fill in customer contact first name, customer contact last name, ' +
        'customer contact email and Microsoft Partner Center Solutions. Save the opportunity again when done.',
    );
    expect(await s.rt.parking.list()).toEqual([
      expect.objectContaining({ referralId: `share-salesforce-${oppId}`, stage: 'share' }),
    ]);

    // The seller fills them in: shared, message cleared, no longer parked.
    s.sf.fake.updateAsUser(oppId, { Partner_Center_Solutions__c: 'SOL-12345-FAB', Referral_Contact__c: contactOf(s) });
    await sharePoll(s);
    expect(createdFor(s, oppId)).toHaveLength(1);
    expect(s.sf.fake.record('Opportunity', oppId)?.Referral_Sync_Message__c ?? null).toBeNull();
    expect(await s.rt.parking.list()).toEqual([]);
  });

  it("Partner Center's own validation error is shown on the opportunity, and not sent again unchanged", async () => {
    const s = await start();
    const oppId = sellersOpportunity(s);
    share(s, oppId);
    const message = 'details.requirements.solutions: SOL-12345-FAB is not a co-sell ready solution';
    s.pc.failNext(1, { status: 400, code: 'invalidRequest', message });
    await sharePoll(s);
    expect(s.sf.fake.record('Opportunity', oppId)?.Referral_Sync_Message__c).toBe(
      `Partner Center refused to create the referral: ${message}. Correct it and save the opportunity again.`,
    );
    expect(await s.rt.parking.list()).toEqual([expect.objectContaining({ referralId: `share-salesforce-${oppId}` })]);
    // Unchanged: not sent again. Changed: sent, and created.
    await sharePoll(s);
    expect(s.pc.counters.create).toBe(1);
    s.sf.fake.updateAsUser(oppId, { Partner_Center_Solutions__c: 'SOL-67890-FAB' });
    await sharePoll(s);
    expect(createdFor(s, oppId)).toHaveLength(1);
    expect(s.pc.counters.create).toBe(2);
  });

  it('the shared referral then syncs inbound: Microsoft accepting shows on the opportunity', async () => {
    const s = await start();
    const oppId = sellersOpportunity(s);
    share(s, oppId);
    await sharePoll(s);
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    const referralId = String(createdFor(s, oppId)[0]?.id);

    // Inbound sync updated the same opportunity (no second one) with the referral's status.
    expect(s.sf.fake.records('Opportunity').filter((o) => o.Referral_Id__c === referralId)).toHaveLength(1);
    expect(s.sf.fake.record('Opportunity', oppId)?.Referral_Status__c).toBe('Active');

    s.pc.answerCoSell(referralId, 'accept');
    await sharePoll(s);
    expect(s.sf.fake.record('Opportunity', oppId)?.Referral_Sync_Message__c).toBe(
      'Microsoft accepted the co-sell request.',
    );
  });
});

describe('a shared opportunity afterwards', () => {
  it("syncs outbound like any other: the seller's edit and Closed Lost reach the referral", async () => {
    const s = await start();
    const oppId = sellersOpportunity(s);
    share(s, oppId, null);
    await sharePoll(s);
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    const referralId = String(createdFor(s, oppId)[0]?.id);

    s.sf.fake.updateAsUser(oppId, { Amount: 150_000 });
    await pushAll(s);
    expect(s.pc.get(referralId)?.details).toMatchObject({ dealValue: 150_000 });
    s.sf.fake.updateAsUser(oppId, { StageName: 'Closed Lost' });
    await pushAll(s);
    expect(s.pc.get(referralId)).toMatchObject({ status: 'Closed', substatus: 'Lost' });
    expect(createdFor(s, oppId)).toHaveLength(1);
  });
});

async function pushAll(s: Stack): Promise<void> {
  const out = s.rt.outbound;
  if (!out) throw new Error('outbound is on in these tests');
  await out.poll();
  await idle(out.pushQueue);
}

const contactOf = (s: Stack): string => String(s.sf.fake.records('Contact')[0]?.Id);
