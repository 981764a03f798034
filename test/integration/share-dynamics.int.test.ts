import { afterEach, describe, expect, it } from 'vitest';
import { syncOnce } from '../../jobs/sync-once.ts';
import { waitFor } from '../faults/fault-kit.ts';
import { CURRENCIES } from '../fakes/dataverse/store.ts';
import { startStack, type Stack } from './harness.ts';

/*
 * Issue 16 on Dynamics 365: "Sync with Partner Center" = Yes on an opportunity creates exactly one
 * referral, linked both ways. CRM=both stack; German customers are routed to Dynamics.
 */

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const EUR = String(CURRENCIES[0]?.transactioncurrencyid);
const LOOKUP = '@Microsoft.Dynamics.CRM.lookuplogicalname';

async function start(): Promise<Stack & { dv: NonNullable<Stack['dv']> }> {
  stack = await startStack({ outbound: true, share: true, dynamics: true });
  const dv = stack.dv;
  if (!dv) throw new Error('the stack has Dataverse');
  return { ...stack, dv };
}

/** A seller's opportunity with its account (a German customer) and contact, not shared yet. */
function sellersOpportunity(
  s: Stack & { dv: NonNullable<Stack['dv']> },
  cols: Record<string, unknown> = {},
  country = 'DE',
): string {
  const account = s.dv.fake.seed('accounts', { name: 'Fabrikam Foods GmbH', address1_country: country });
  const contact = s.dv.fake.seed('contacts', {
    firstname: 'Jonas',
    lastname: 'Keller',
    emailaddress1: 'jonas.keller@fabrikam.example',
  });
  const opp = s.dv.fake.seed('opportunities', {
    name: 'Fabrikam data platform',
    estimatedvalue: 120_000,
    estimatedclosedate: '2026-09-30',
    statecode: 0,
    _transactioncurrencyid_value: EUR,
    [`_transactioncurrencyid_value${LOOKUP}`]: 'transactioncurrency',
    _customerid_value: account.accountid,
    [`_customerid_value${LOOKUP}`]: 'account',
    _parentcontactid_value: contact.contactid,
    [`_parentcontactid_value${LOOKUP}`]: 'contact',
    new_partnercentersolutions: 'SOL-12345-FAB',
    ...cols,
  });
  return String(opp.opportunityid);
}

async function sharePoll(s: Stack): Promise<void> {
  const sh = s.rt.shares[1];
  if (!sh) throw new Error('sharing is on for Dynamics in these tests');
  await sh.poll();
  await waitFor(
    'the share queue to settle',
    async () => {
      const c = await sh.shareQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(c).every((n) => n === 0);
    },
    60_000,
  );
}

const opportunity = (s: Stack & { dv: NonNullable<Stack['dv']> }, id: string) =>
  s.dv.fake.records('opportunities').find((o) => o.opportunityid === id);
const createdFor = (s: Stack, oppId: string) => s.pc.all().filter((r) => r.externalReferenceId === oppId);

describe('sharing a Dynamics 365 opportunity with Microsoft', () => {
  it('creates exactly one co-sell referral, linked both ways', async () => {
    const s = await start();
    const oppId = sellersOpportunity(s);
    s.dv.fake.updateAsUser(oppId, { new_syncwithpartnercenter: true, new_howcanmicrosofthelp: 'Quotes and licensing' });
    await sharePoll(s);
    await sharePoll(s);

    const created = createdFor(s, oppId);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      type: 'Shared',
      customerProfile: { name: 'Fabrikam Foods GmbH', address: { country: 'DE' }, team: [{ lastName: 'Keller' }] },
      details: { dealValue: 120_000, currency: 'EUR', requirements: { solutions: [{ id: 'SOL-12345-FAB' }] } },
    });
    expect(opportunity(s, oppId)).toMatchObject({
      new_referralid: created[0]?.id,
      new_referrallink: expect.stringContaining(String(created[0]?.id)),
      new_referralsyncmessage: null,
    });
  });

  it('a create whose answer is lost makes no second referral', async () => {
    const s = await start();
    const oppId = sellersOpportunity(s);
    s.dv.fake.updateAsUser(oppId, { new_syncwithpartnercenter: true, new_howcanmicrosofthelp: 'Quotes and licensing' });
    s.pc.loseNextCreateAnswer('drop-after-create');
    await sharePoll(s);

    expect(s.pc.creates.filter((c) => c.outcome === 'created')).toHaveLength(1);
    expect(opportunity(s, oppId)?.new_referralid).toBe(createdFor(s, oppId)[0]?.id);
  });

  it('missing fields: nothing is sent and the seller reads which', async () => {
    const s = await start();
    const oppId = sellersOpportunity(s, { new_partnercentersolutions: null });
    s.dv.fake.updateAsUser(oppId, { new_syncwithpartnercenter: true });
    await sharePoll(s);

    expect(s.pc.creates).toEqual([]);
    expect(opportunity(s, oppId)?.new_referralsyncmessage).toBe(
      'Not shared with Microsoft yet: fill in Microsoft Partner Center Solutions. Save the opportunity again when done.',
    );
  });

  it('the shared referral syncs inbound to the same opportunity; Microsoft declining shows on it', async () => {
    const s = await start();
    const oppId = sellersOpportunity(s);
    s.dv.fake.updateAsUser(oppId, { new_syncwithpartnercenter: true, new_howcanmicrosofthelp: 'Quotes and licensing' });
    await sharePoll(s);
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    const referralId = String(createdFor(s, oppId)[0]?.id);

    expect(s.dv.fake.records('opportunities').filter((o) => o.new_referralid === referralId)).toHaveLength(1);
    expect(opportunity(s, oppId)?.new_referralstatus).toBe('Active');
    s.pc.answerCoSell(referralId, 'decline', 'Customer requirement not met');
    await sharePoll(s);
    expect(opportunity(s, oppId)?.new_referralsyncmessage).toBe(
      'Microsoft declined the co-sell request: Customer requirement not met.',
    );
  });

  it('stays in Dynamics when the routing rules would send its customer to Salesforce (CRM=both)', async () => {
    const s = await start();
    // US customers are routed to Salesforce; this referral was created from a Dynamics opportunity.
    const oppId = sellersOpportunity(s, {}, 'US');
    s.dv.fake.updateAsUser(oppId, { new_syncwithpartnercenter: true, new_howcanmicrosofthelp: 'Quotes and licensing' });
    await sharePoll(s);
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    const referralId = String(createdFor(s, oppId)[0]?.id);

    expect(s.sf.fake.records('Opportunity').filter((o) => o.Referral_Id__c === referralId)).toEqual([]);
    expect(opportunity(s, oppId)).toMatchObject({ new_referralid: referralId, new_referralstatus: 'Active' });
  });
});
