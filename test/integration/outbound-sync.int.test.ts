import { afterEach, describe, expect, it } from 'vitest';
import type { Mapping } from '../../src/mapping/schema.ts';
import { syncOnce } from '../../jobs/sync-once.ts';
import { makeReferral } from '../fakes/partner-center/fixtures.ts';
import { idle, startStack, type Stack } from './harness.ts';
import { waitFor } from '../faults/fault-kit.ts';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const withLostReason = (m: Mapping): Mapping => {
  const sf = m.salesforce;
  if (!sf) throw new Error('default mapping has a salesforce section');
  return {
    ...m,
    salesforce: { ...sf, outbound: { ...sf.outbound, lostReason: 'Loss_Reason__c' } },
    outbound: {
      ...m.outbound,
      lost: { ...m.outbound.lost, reasonMap: { Competitor: 'Customer chose another vendor' } },
    },
  };
};

async function start(): Promise<Stack> {
  stack = await startStack({ outbound: true, mapping: withLostReason });
  return stack;
}

/** CRM -> Partner Center (poll + pushes), then Partner Center -> CRM (pull + syncs). */
async function roundTrip(s: Stack): Promise<void> {
  const out = s.rt.outbound;
  if (!out) throw new Error('outbound is on in these tests');
  await out.poll();
  await idle(out.pushQueue);
  await syncOnce(s.rt, { maxWaitMs: 30_000 });
}

/** Seeds one referral, syncs it in, and returns its opportunity id. */
async function seeded(
  s: Stack,
  overrides: Parameters<typeof makeReferral>[0],
  kind: Parameters<typeof makeReferral>[1] = 'co-sell',
) {
  const r = makeReferral({ createdDateTime: '2025-01-02T00:00:00Z', ...overrides }, kind);
  s.pc.seed([r]);
  await roundTrip(s);
  const opp = s.sf.fake.records('Opportunity').find((o) => o.Referral_Id__c === r.id);
  if (!opp) throw new Error('inbound sync created no opportunity');
  return { id: r.id, oppId: String(opp.Id) };
}

const decisionPatches = (s: Stack, id: string) =>
  s.pc.patches.filter(
    (p) =>
      p.id === id &&
      p.outcome === 'applied' &&
      !(p.ops as { path: string }[]).every((op) => op.path === '/externalReferenceId'),
  );

describe('outbound sync: seller decisions in Salesforce reach Partner Center', () => {
  it('accept with all fields -> Active/Accepted carrying name, value and close date', async () => {
    const s = await start();
    const { id, oppId } = await seeded(s, {});
    s.sf.fake.updateAsUser(oppId, {
      Referral_Decision__c: 'Accept',
      Name: 'Contoso rollout',
      Amount: 90_000,
      CloseDate: '2026-06-30',
    });
    await roundTrip(s);
    const r = s.pc.get(id);
    expect(r).toMatchObject({ status: 'Active', substatus: 'Accepted', name: 'Contoso rollout' });
    expect(r?.details).toMatchObject({ dealValue: 90_000, closingDateTime: '2026-06-30T00:00:00Z' });
    const history = await s.rt.outboundStore.history(id);
    expect(history).toEqual([
      expect.objectContaining({ action: 'accept', result: 'pushed', from: 'New/Pending', to: 'Active/Accepted' }),
    ]);
  });

  it('accept without a deal value -> nothing sent; the reason is shown on the opportunity', async () => {
    const s = await start();
    const { id, oppId } = await seeded(s, { details: { notes: 'value not known yet', currency: 'USD' } });
    s.sf.fake.updateAsUser(oppId, { Referral_Decision__c: 'Accept' });
    await roundTrip(s);
    expect(s.pc.get(id)).toMatchObject({ status: 'New' });
    expect(decisionPatches(s, id)).toEqual([]);
    expect(String(s.sf.fake.record('Opportunity', oppId)?.Referral_Sync_Message__c)).toMatch(
      /^accept needs Amount: fill it in on the opportunity/,
    );
    // Filling it in lets the accept through and clears the message.
    s.sf.fake.updateAsUser(oppId, { Amount: 12_000 });
    await roundTrip(s);
    expect(s.pc.get(id)).toMatchObject({ status: 'Active', substatus: 'Accepted' });
    expect(s.sf.fake.record('Opportunity', oppId)?.Referral_Sync_Message__c ?? null).toBeNull();
  });

  it("a single-currency org accepts a lead without a currency in the org's default currency (#15)", async () => {
    const s = await start();
    const { id, oppId } = await seeded(s, { details: { notes: 'marketplace lead, no currency' } }, 'marketplace-lead');
    s.sf.fake.updateAsUser(oppId, { Referral_Decision__c: 'Accept', Amount: 25_000, CloseDate: '2026-06-30' });
    await roundTrip(s);
    expect(s.sf.fake.record('Opportunity', oppId)?.Referral_Sync_Message__c ?? null).toBeNull();
    expect(s.pc.get(id)).toMatchObject({ status: 'Active', substatus: 'Accepted' });
    expect(s.pc.get(id)?.details).toMatchObject({ dealValue: 25_000, currency: 'USD' });
  });

  it('decline with a reason -> Closed/Declined with the mapped statusReason', async () => {
    const s = await start();
    const { id, oppId } = await seeded(s, {});
    s.sf.fake.updateAsUser(oppId, { Referral_Decision__c: 'Decline', Referral_Decline_Reason__c: 'Budget' });
    await roundTrip(s);
    expect(s.pc.get(id)).toMatchObject({
      status: 'Closed',
      substatus: 'Declined',
      statusReason: "Project budget isn't adequate",
    });
  });

  it('Closed Won -> Closed/Won; Closed Lost with a reason -> Closed/Lost', async () => {
    const s = await start();
    const active = { status: 'Active', substatus: 'Accepted', acceptedDateTime: '2025-01-03T00:00:00Z' };
    const won = await seeded(s, active);
    const lost = await seeded(s, active);
    s.sf.fake.updateAsUser(won.oppId, { StageName: 'Closed Won' });
    s.sf.fake.updateAsUser(lost.oppId, { StageName: 'Closed Lost', Loss_Reason__c: 'Competitor' });
    await roundTrip(s);
    expect(s.pc.get(won.id)).toMatchObject({ status: 'Closed', substatus: 'Won' });
    expect(s.pc.get(lost.id)).toMatchObject({
      status: 'Closed',
      substatus: 'Lost',
      statusReason: 'Customer chose another vendor',
    });
  });

  it('a stale eTag (412) is re-read and resolved without losing the change made meanwhile', async () => {
    const s = await start();
    const { id, oppId } = await seeded(s, {});
    // Microsoft edits the referral after our last pull: our stored eTag is now stale.
    const current = s.pc.get(id);
    s.pc.upsert({ ...current, details: { ...(current?.details as object), notes: 'Microsoft seller note' } });
    s.sf.fake.updateAsUser(oppId, { Referral_Decision__c: 'Accept' });
    await roundTrip(s);
    const r = s.pc.get(id);
    expect(r).toMatchObject({ status: 'Active', substatus: 'Accepted' });
    expect(r?.details).toMatchObject({ notes: 'Microsoft seller note' });
    expect(s.pc.patches.some((p) => p.id === id && p.outcome !== 'applied')).toBe(true); // the 412 happened
  });

  it('an edit storm of 50 saves ends in one PATCH per real change, then zero writes on both sides', async () => {
    const s = await start();
    const { id, oppId } = await seeded(s, { status: 'Active', substatus: 'Accepted' });
    let realChanges = 0;
    let amount = 100_000;
    for (let i = 0; i < 50; i++) {
      // Every third save changes nothing Partner Center cares about (an unmapped field only).
      if (i % 3 === 2) s.sf.fake.updateAsUser(oppId, { NextStep: `call ${i}` });
      else {
        amount += 1_000;
        realChanges += 1;
        s.sf.fake.updateAsUser(oppId, { Amount: amount });
      }
      await s.rt.outbound?.poll();
      if (s.rt.outbound) await idle(s.rt.outbound.pushQueue);
    }
    expect(decisionPatches(s, id)).toHaveLength(realChanges);
    expect(s.pc.get(id)?.details).toMatchObject({ dealValue: amount });

    await roundTrip(s); // our PATCHes come back as Partner Center changes once
    const patchesBefore = s.pc.patches.length;
    const sfWritesBefore = s.sf.fake.requests().filter((r) => r.method !== 'GET').length;
    await roundTrip(s);
    await roundTrip(s);
    expect(s.pc.patches.length).toBe(patchesBefore);
    expect(s.sf.fake.requests().filter((r) => r.method !== 'GET').length).toBe(sfWritesBefore);
  });

  it('a seller added to the opportunity team joins the referral team once; one already there is not re-sent', async () => {
    const s = await start();
    const { id, oppId } = await seeded(s, { status: 'Active', substatus: 'Accepted' });
    const before = (s.pc.get(id)?.team ?? []) as { email?: string }[];
    expect(before.map((m) => m.email)).toContain('marta.kowalski@northwind.example');
    const member = (first: string, last: string, email: string) => {
      const userId = s.sf.fake.setRecord('User', { FirstName: first, LastName: last, Email: email });
      s.sf.fake.setRecord('OpportunityTeamMember', {
        OpportunityId: oppId,
        UserId: userId,
        TeamMemberRole: 'Sales Rep',
      });
    };
    member('Marta', 'Kowalski', 'Marta.Kowalski@northwind.example'); // already on the referral (emails compare case-insensitively)
    member('Ana', 'Silva', 'ana.silva@partner.example'); // a team-only change: the Opportunity is not touched
    await roundTrip(s);

    expect(s.pc.get(id)?.team).toEqual([
      ...before,
      expect.objectContaining({ firstName: 'Ana', lastName: 'Silva', email: 'ana.silva@partner.example' }),
    ]);
    const teamOps = decisionPatches(s, id)
      .flatMap((p) => p.ops as { op: string; path: string }[])
      .filter((op) => op.path.startsWith('/team'));
    expect(teamOps).toEqual([expect.objectContaining({ op: 'add', path: '/team/-' })]);

    const patchesBefore = s.pc.patches.length;
    await roundTrip(s);
    await roundTrip(s);
    expect(s.pc.patches.length).toBe(patchesBefore);
  });

  it('a team member added to an already polled Active opportunity reaches Partner Center through the scheduled poll (#15)', async () => {
    const s = await start();
    const { id, oppId } = await seeded(s, { status: 'Active', substatus: 'Accepted' });
    await roundTrip(s); // the poll has now stored this opportunity's snapshot and its SystemModstamp
    const modstamp = s.sf.fake.record('Opportunity', oppId)?.SystemModstamp;
    const userId = s.sf.fake.setRecord('User', {
      FirstName: 'Ana',
      LastName: 'Silva',
      Email: 'ana.silva@partner.example',
    });
    s.sf.fake.setRecord('OpportunityTeamMember', { OpportunityId: oppId, UserId: userId, TeamMemberRole: 'Sales Rep' });
    expect(s.sf.fake.record('Opportunity', oppId)?.SystemModstamp).toBe(modstamp); // a team-only change, as in Salesforce
    await roundTrip(s);
    const emails = ((s.pc.get(id)?.team ?? []) as { email?: string }[]).map((m) => m.email);
    expect(emails).toContain('ana.silva@partner.example');
  });

  it('the expiry field is cleared once the seller accepts, and stays clear when the deal is won (#15)', async () => {
    const s = await start();
    const { id, oppId } = await seeded(s, {});
    expect(s.sf.fake.record('Opportunity', oppId)?.Referral_Expires_At__c).toBeTruthy();
    s.sf.fake.updateAsUser(oppId, {
      Referral_Decision__c: 'Accept',
      Name: 'Contoso rollout',
      Amount: 90_000,
      CloseDate: '2026-06-30',
    });
    await roundTrip(s);
    await roundTrip(s);
    expect(s.pc.get(id)).toMatchObject({ status: 'Active' });
    expect(s.sf.fake.record('Opportunity', oppId)?.Referral_Expires_At__c ?? null).toBeNull();
    s.sf.fake.updateAsUser(oppId, { StageName: 'Closed Won' });
    await roundTrip(s);
    await roundTrip(s);
    expect(s.pc.get(id)).toMatchObject({ status: 'Closed', substatus: 'Won' });
    expect(s.sf.fake.record('Opportunity', oppId)?.Referral_Expires_At__c ?? null).toBeNull();
  });

  it('a referral Microsoft expired while the seller accepts stays Expired and shows as expired in the CRM', async () => {
    const s = await start();
    const { id, oppId } = await seeded(s, {});
    const current = s.pc.get(id);
    s.pc.upsert({ ...current, status: 'Closed', substatus: 'Expired' });
    s.sf.fake.updateAsUser(oppId, { Referral_Decision__c: 'Accept' });
    await roundTrip(s);
    await roundTrip(s);
    expect(s.pc.get(id)).toMatchObject({ status: 'Closed', substatus: 'Expired' });
    const opp = s.sf.fake.record('Opportunity', oppId);
    expect(opp).toMatchObject({
      Referral_Status__c: 'Closed',
      Referral_Substatus__c: 'Expired',
      StageName: 'Closed Lost',
    });
    expect(String(opp?.Referral_Sync_Message__c)).toMatch(/expired/i);
    expect(await s.rt.outboundStore.history(id)).toEqual([expect.objectContaining({ result: 'conflict' })]);
  });

  it('a partner edit of a Closed referral is refused locally with a clear reason', async () => {
    const s = await start();
    const { id, oppId } = await seeded(s, {}, 'outgoing-won');
    s.sf.fake.updateAsUser(oppId, { Amount: 1 });
    await roundTrip(s);
    expect(decisionPatches(s, id)).toEqual([]);
    const message = String(s.sf.fake.record('Opportunity', oppId)?.Referral_Sync_Message__c);
    expect(message).toMatch(/Closed\/Won/);
    expect(await s.rt.outboundStore.history(id)).toEqual([expect.objectContaining({ result: 'refused' })]);
  });

  it('a push job with a malformed payload fails at once with a validation error, not on every attempt (#13)', async () => {
    const s = await start();
    const out = s.rt.outbound;
    if (!out) throw new Error('outbound is on in these tests');
    await out.pushQueue.add(
      'push',
      { referral: 'typo' },
      { jobId: 'push-malformed', attempts: 8, backoff: { type: 'fixed', delay: 10 } },
    );
    const job = async () => out.pushQueue.getJob('push-malformed');
    await waitFor('the malformed job to fail', async () => (await (await job())?.getState()) === 'failed', 30_000);
    const failed = await job();
    expect(await failed?.getState()).toBe('failed');
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toMatch(
      /^ValidationError: push-salesforce job push-malformed: payload needs referralId/,
    );
  });
});
