import { afterEach, describe, expect, it } from 'vitest';
import { syncOnce } from '../../jobs/sync-once.ts';
import type { Outbound } from '../../jobs/outbound-queues.ts';
import { makeReferral } from '../fakes/partner-center/fixtures.ts';
import type { DataverseHarness } from '../fakes/dataverse/dataverse-harness.ts';
import { german, idle, startStack, type Stack } from './harness.ts';

/*
 * Issue 16 on Dynamics 365: real Redis + BullMQ, the real axios/msal connector against the fake
 * Dataverse (CRM=both, German customers routed to Dataverse), the shipped default mapping.
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(): Promise<{ s: Stack; dv: DataverseHarness }> {
  stack = await startStack({ outbound: true, dynamics: true, leads: true });
  if (!stack.dv) throw new Error('the stack has a fake Dataverse');
  return { s: stack, dv: stack.dv };
}

const channel = (s: Stack, name: string): Outbound => {
  const out = s.rt.outbounds.find((o) => o.pollQueue.name === name);
  if (!out) throw new Error(`${name} is on`);
  return out;
};

/** Leads, then opportunities (CRM -> Partner Center), then Partner Center -> CRM. */
async function roundTrip(s: Stack): Promise<void> {
  for (const name of ['poll-dynamics-leads', 'poll-dynamics']) {
    const out = channel(s, name);
    await out.poll();
    await idle(out.pushQueue);
  }
  await syncOnce(s.rt, { maxWaitMs: 30_000 });
}

const leadsOf = (dv: DataverseHarness, id: string) => dv.fake.records('leads').filter((l) => l.new_referralid === id);
const oppsOf = (dv: DataverseHarness, id: string) =>
  dv.fake.records('opportunities').filter((o) => o.new_referralid === id);

async function seededLead(s: Stack, dv: DataverseHarness) {
  const r = german(makeReferral({ createdDateTime: '2025-01-02T00:00:00Z' }, 'qualified-lead'));
  s.pc.seed([r]);
  await syncOnce(s.rt, { maxWaitMs: 30_000 });
  const [lead] = leadsOf(dv, r.id);
  if (!lead) throw new Error('inbound sync created no lead');
  return { id: r.id, leadId: String(lead.leadid) };
}

describe('leads as Dataverse leads (issue 16)', () => {
  it('a qualified lead lands as one lead row and no opportunity, once per referral', async () => {
    const { s, dv } = await start();
    const { id } = await seededLead(s, dv);
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    expect([leadsOf(dv, id).length, oppsOf(dv, id).length]).toEqual([1, 0]);
  });

  it('disqualifying the lead (Cannot Contact) pushes a decline with the mapped reason', async () => {
    const { s, dv } = await start();
    const { id, leadId } = await seededLead(s, dv);
    dv.fake.updateAsUser(leadId, { statecode: 2, statuscode: 5 }, 'leads');
    await roundTrip(s);
    expect(s.pc.get(id)).toMatchObject({
      status: 'Closed',
      substatus: 'Declined',
      statusReason: "Customer didn't respond",
    });
  });

  it("qualifying the lead accepts the referral with the opportunity's values; the opportunity then syncs (Won)", async () => {
    const { s, dv } = await start();
    const { id, leadId } = await seededLead(s, dv);
    const oppId = dv.fake.qualifyLeadAsUser(leadId, {
      name: 'Ostsee Teams Phone',
      estimatedvalue: 36_000,
      estimatedclosedate: '2026-04-30',
    });
    await roundTrip(s);
    expect(s.pc.get(id)).toMatchObject({ status: 'Active', substatus: 'Accepted', name: 'Ostsee Teams Phone' });
    expect(s.pc.get(id)?.details).toMatchObject({ dealValue: 36_000, closingDateTime: '2026-04-30T00:00:00Z' });
    expect([oppsOf(dv, id).map((o) => o.opportunityid), s.pc.get(id)?.externalReferenceId]).toEqual([[oppId], oppId]);

    await dv.connector.closeOpportunity(oppId, 'won', { subject: 'won' });
    await roundTrip(s);
    expect(s.pc.get(id)).toMatchObject({ status: 'Closed', substatus: 'Won' });
  });

  it('a pull of the same referral between qualifying and the push creates nothing twice', async () => {
    const { s, dv } = await start();
    const { id, leadId } = await seededLead(s, dv);
    const oppId = dv.fake.qualifyLeadAsUser(leadId, { estimatedvalue: 36_000, estimatedclosedate: '2026-04-30' });
    const r = s.pc.get(id);
    if (!r) throw new Error('seeded');
    s.pc.upsert({ ...r, details: { ...(r.details ?? {}), notes: 'customer asked for a call' } });
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    expect([await s.rt.parking.list(), (await s.rt.state.get(id))?.crmId]).toEqual([[], oppId]);
    await roundTrip(s);
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    expect(dv.fake.records('opportunities').map((o) => o.opportunityid)).toEqual([oppId]);
    expect(s.pc.get(id)).toMatchObject({ status: 'Active', substatus: 'Accepted' });
  });
});
