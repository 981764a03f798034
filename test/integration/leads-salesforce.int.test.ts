import { afterEach, describe, expect, it } from 'vitest';
import { syncOnce } from '../../jobs/sync-once.ts';
import { makeReferral } from '../fakes/partner-center/fixtures.ts';
import { idle, startStack, type Stack } from './harness.ts';

/*
 * Issue 16 end to end on Salesforce: real Redis + BullMQ, the real jsforce connector against the
 * fake org, the shipped default mapping (its lead section and leads rule).
 */

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(): Promise<Stack> {
  stack = await startStack({ outbound: true, leads: true });
  return stack;
}

/** The Lead channel (CRM -> Partner Center): one poll, then every push it queued. */
async function pollLeads(s: Stack): Promise<void> {
  const out = s.rt.leadOutbound;
  if (!out) throw new Error('the Lead channel is on in these tests');
  await out.poll();
  await idle(out.pushQueue);
}

/** The opportunity channel, then Partner Center -> CRM. */
async function roundTrip(s: Stack): Promise<void> {
  await pollLeads(s);
  const out = s.rt.outbound;
  if (!out) throw new Error('outbound is on in these tests');
  await out.poll();
  await idle(out.pushQueue);
  await syncOnce(s.rt, { maxWaitMs: 30_000 });
}

/** Microsoft changes the referral in Partner Center (new eTag and updatedDateTime). */
function pcUpdate(s: Stack, id: string, change: (r: NonNullable<ReturnType<Stack['pc']['get']>>) => object): void {
  const r = s.pc.get(id);
  if (!r) throw new Error(`no referral ${id}`);
  s.pc.upsert({ ...r, ...change(r) });
}

const leadsOf = (s: Stack, id: string) => s.sf.fake.records('Lead').filter((l) => l.Referral_Id__c === id);
const oppsOf = (s: Stack, id: string) => s.sf.fake.records('Opportunity').filter((o) => o.Referral_Id__c === id);

/** A New marketplace lead synced in; its Lead's id. */
async function seededLead(s: Stack, overrides: Parameters<typeof makeReferral>[0] = {}) {
  const r = makeReferral({ createdDateTime: '2025-01-02T00:00:00Z', ...overrides }, 'marketplace-lead');
  s.pc.seed([r]);
  await syncOnce(s.rt, { maxWaitMs: 30_000 });
  const [lead] = leadsOf(s, r.id);
  if (!lead) throw new Error('inbound sync created no Lead');
  return { id: r.id, leadId: String(lead.Id) };
}

describe('leads as Salesforce Leads (issue 16)', () => {
  it('a marketplace lead lands as one Lead (no opportunity), once however often it is pulled', async () => {
    const s = await start();
    const { id } = await seededLead(s);
    pcUpdate(s, id, (r) => ({ details: { ...(r.details ?? {}), notes: 'now 200 users' } }));
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    expect([leadsOf(s, id).length, oppsOf(s, id).length, leadsOf(s, id)[0]?.Description]).toEqual([
      1,
      0,
      'now 200 users',
    ]);
  });

  it('a co-sell still lands as an opportunity', async () => {
    const s = await start();
    const r = makeReferral({}, 'co-sell');
    s.pc.seed([r]);
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    expect([leadsOf(s, r.id).length, oppsOf(s, r.id).length]).toEqual([0, 1]);
  });

  it('Microsoft expiring the referral updates the Lead', async () => {
    const s = await start();
    const { id, leadId } = await seededLead(s);
    pcUpdate(s, id, () => ({ status: 'Closed', substatus: 'Expired' }));
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    expect(s.sf.fake.record('Lead', leadId)).toMatchObject({
      Referral_Status__c: 'Closed',
      Referral_Substatus__c: 'Expired',
      Status: 'Closed - Not Converted',
    });
  });

  it('disqualifying the Lead with a reason pushes a decline with the mapped reason', async () => {
    const s = await start();
    const { id, leadId } = await seededLead(s);
    s.sf.fake.updateAsUser(leadId, { Status: 'Closed - Not Converted', Referral_Decline_Reason__c: 'Budget' });
    await pollLeads(s);
    expect(s.pc.get(id)).toMatchObject({
      status: 'Closed',
      substatus: 'Declined',
      statusReason: "Project budget isn't adequate",
    });
  });

  it('disqualifying without a reason sends nothing and says why on the Lead', async () => {
    const s = await start();
    const { id, leadId } = await seededLead(s);
    s.sf.fake.updateAsUser(leadId, { Status: 'Closed - Not Converted' });
    await pollLeads(s);
    expect(s.pc.get(id)).toMatchObject({ status: 'New' });
    expect(String(s.sf.fake.record('Lead', leadId)?.Referral_Sync_Message__c)).toMatch(/^decline needs a reason/);
  });

  describe('converting the Lead', () => {
    const converted = async () => {
      const s = await start();
      const { id, leadId } = await seededLead(s);
      const { opportunityId } = s.sf.fake.convertLeadAsUser(leadId, {
        Name: 'Kestrel Teams Phone',
        Amount: 48_000,
        CloseDate: '2026-05-31',
      });
      return { s, id, leadId, opportunityId };
    };

    it("accepts the referral with the opportunity's values", async () => {
      const { s, id } = await converted();
      await pollLeads(s);
      expect(s.pc.get(id)).toMatchObject({ status: 'Active', substatus: 'Accepted', name: 'Kestrel Teams Phone' });
      expect(s.pc.get(id)?.details).toMatchObject({ dealValue: 48_000, closingDateTime: '2026-05-31T00:00:00Z' });
    });

    it('moves the referral key to the opportunity, which Partner Center then names', async () => {
      const { s, id, opportunityId } = await converted();
      await roundTrip(s);
      expect([oppsOf(s, id).map((o) => o.Id), s.pc.get(id)?.externalReferenceId]).toEqual([
        [opportunityId],
        opportunityId,
      ]);
    });

    it('keeps the opportunity in sync afterwards: Closed Won is pushed as Won', async () => {
      const { s, id, opportunityId } = await converted();
      await roundTrip(s);
      s.sf.fake.updateAsUser(opportunityId, { StageName: 'Closed Won' });
      await roundTrip(s);
      // Deal registration holds Won until 72 h after creation; this referral is older.
      expect(s.pc.get(id)).toMatchObject({ status: 'Closed', substatus: 'Won' });
    });

    it('a pull of the same referral between the conversion and the push creates nothing twice', async () => {
      const { s, id, opportunityId } = await converted();
      // Microsoft edits the referral after the seller converted it, and the pull gets there first.
      pcUpdate(s, id, (r) => ({ details: { ...(r.details ?? {}), notes: 'customer asked for a call' } }));
      await syncOnce(s.rt, { maxWaitMs: 30_000 });
      // The pull followed the conversion: no write to the locked Lead, nothing parked.
      expect([await s.rt.parking.list(), (await s.rt.state.get(id))?.crmId]).toEqual([[], opportunityId]);
      await roundTrip(s);
      await syncOnce(s.rt, { maxWaitMs: 30_000 });
      expect([oppsOf(s, id).map((o) => o.Id), leadsOf(s, id).length]).toEqual([[opportunityId], 1]);
      expect(s.pc.get(id)).toMatchObject({ status: 'Active', substatus: 'Accepted', name: 'Kestrel Teams Phone' });
    });
  });
});
