import { afterEach, describe, expect, it } from 'vitest';
import { syncOnce } from '../../jobs/sync-once.ts';
import { makeReferral, makeReferrals } from '../fakes/partner-center/fixtures.ts';
import type { DataverseHarness } from '../fakes/dataverse/dataverse-harness.ts';
import { german, idle, startStack, type Stack } from './harness.ts';

/*
 * Dynamics 365 through the same runtime: CRM=both with routing by country, $batch upserts,
 * decisions made in Dataverse reaching Partner Center, and a 429 storm with Retry-After.
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(): Promise<{ s: Stack; dv: DataverseHarness }> {
  stack = await startStack({ outbound: true, dynamics: true });
  if (!stack.dv) throw new Error('the stack has a fake Dataverse');
  return { s: stack, dv: stack.dv };
}

describe('Dynamics 365 through the runtime (CRM=both, routed by country)', () => {
  it('routes 500 German referrals to Dataverse in one $batch per 1000, the rest to Salesforce; a re-run writes nothing', async () => {
    const { s, dv: d } = await start();
    const de = makeReferrals(500).map(german);
    const us = makeReferrals(20, Date.parse('2025-02-01T00:00:00Z'));
    s.pc.seed([...de, ...us]);
    const first = await syncOnce(s.rt, { maxWaitMs: 60_000 });
    expect(first).toMatchObject({ created: 520, parked: 0 });
    expect(d.fake.records('opportunities')).toHaveLength(500);
    expect(s.sf.fake.records('Opportunity')).toHaveLength(20);
    expect(d.fake.counters.batch ?? 0).toBeLessThanOrEqual(2); // one $batch of opportunities, one of the new accounts

    d.fake.resetCounters();
    const second = await syncOnce(s.rt, { maxWaitMs: 60_000 });
    expect(second.created + second.updated).toBe(0);
    expect(d.fake.counters.batch ?? 0).toBe(0);
    expect(d.fake.counters.upsert ?? 0).toBe(0);
  });

  it('accept, decline, Won and Lost made in Dataverse reach Partner Center', async () => {
    const { s, dv: d } = await start();
    const accept = german(makeReferral({ createdDateTime: '2025-01-02T00:00:00Z' }, 'co-sell'));
    const decline = german(makeReferral({ createdDateTime: '2025-01-02T00:00:00Z' }, 'co-sell'));
    const active = { status: 'Active', substatus: 'Accepted', createdDateTime: '2025-01-02T00:00:00Z' };
    const win = german(makeReferral(active, 'co-sell'));
    const lose = german(makeReferral(active, 'co-sell'));
    s.pc.seed([accept, decline, win, lose]);
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    const row = (id: string) => d.fake.records('opportunities').find((o) => o.new_referralid === id);
    const idOf = (id: string) => String(row(id)?.opportunityid);
    d.fake.updateAsUser(idOf(accept.id), { new_referraldecision: 'Accept' });
    d.fake.updateAsUser(idOf(decline.id), { new_referraldecision: 'Decline', new_referraldeclinereason: 'Budget' });
    await d.connector.closeOpportunity(idOf(win.id), 'won', { subject: 'won' });
    await d.connector.closeOpportunity(idOf(lose.id), 'lost', { subject: 'lost' });
    const out = s.rt.outbounds.find((o) => o.pollQueue.name === 'poll-dynamics');
    if (!out) throw new Error('dynamics outbound is on');
    await out.poll();
    await idle(out.pushQueue);
    expect(s.pc.get(accept.id)).toMatchObject({ status: 'Active', substatus: 'Accepted' });
    expect(s.pc.get(decline.id)).toMatchObject({
      status: 'Closed',
      substatus: 'Declined',
      statusReason: "Project budget isn't adequate",
    });
    expect(s.pc.get(win.id)).toMatchObject({ status: 'Closed', substatus: 'Won' });
    expect(s.pc.get(lose.id)).toMatchObject({ status: 'Closed', substatus: 'Lost' });
  });

  it('a seller added to the Dataverse Sales Team joins the referral team once', async () => {
    const { s, dv: d } = await start();
    const r = german(
      makeReferral({ status: 'Active', substatus: 'Accepted', createdDateTime: '2025-01-02T00:00:00Z' }, 'co-sell'),
    );
    s.pc.seed([r]);
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    const oppId = String(d.fake.records('opportunities').find((o) => o.new_referralid === r.id)?.opportunityid);
    const user = d.fake.seed('systemusers', {
      firstname: 'Jonas',
      lastname: 'Weber',
      internalemailaddress: 'jonas.weber@partner.example',
    });
    d.fake.seed('connections', {
      _record1id_value: oppId,
      '_record1id_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'opportunity',
      record1objecttypecode: 3,
      _record2id_value: user.systemuserid,
      '_record2id_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser',
      record2objecttypecode: 8,
    });
    const out = s.rt.outbounds.find((o) => o.pollQueue.name === 'poll-dynamics');
    if (!out) throw new Error('dynamics outbound is on');
    for (let i = 0; i < 3; i++) {
      await out.poll();
      await idle(out.pushQueue);
    }
    const team = (s.pc.get(r.id)?.team ?? []) as { email?: string }[];
    expect(team.filter((m) => m.email === 'jonas.weber@partner.example')).toHaveLength(1);
    const teamPatches = s.pc.patches.filter(
      (p) =>
        p.id === r.id &&
        p.outcome === 'applied' &&
        (p.ops as { path: string }[]).some((op) => op.path.startsWith('/team')),
    );
    expect(teamPatches).toHaveLength(1);
  });

  it('a Sales Team member added to an already polled Active opportunity reaches Partner Center (#15)', async () => {
    const { s, dv: d } = await start();
    const r = german(
      makeReferral({ status: 'Active', substatus: 'Accepted', createdDateTime: '2025-01-02T00:00:00Z' }, 'co-sell'),
    );
    s.pc.seed([r]);
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    const out = s.rt.outbounds.find((o) => o.pollQueue.name === 'poll-dynamics');
    if (!out) throw new Error('dynamics outbound is on');
    await out.poll(); // stores the opportunity's snapshot and its modifiedon
    await idle(out.pushQueue);
    const row = () => d.fake.records('opportunities').find((o) => o.new_referralid === r.id);
    const oppId = String(row()?.opportunityid);
    const modifiedon = row()?.modifiedon;
    const user = d.fake.seed('systemusers', {
      firstname: 'Jonas',
      lastname: 'Weber',
      internalemailaddress: 'jonas.weber@partner.example',
    });
    d.fake.seed('connections', {
      _record1id_value: oppId,
      '_record1id_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'opportunity',
      record1objecttypecode: 3,
      _record2id_value: user.systemuserid,
      '_record2id_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser',
      record2objecttypecode: 8,
    });
    expect(row()?.modifiedon).toBe(modifiedon); // a connection leaves the opportunity's modifiedon alone
    await out.poll();
    await idle(out.pushQueue);
    const team = (s.pc.get(r.id)?.team ?? []) as { email?: string }[];
    expect(team.map((m) => m.email)).toContain('jonas.weber@partner.example');
  });

  it('the expiry column is cleared once the seller accepts in Dataverse (#15)', async () => {
    const { s, dv: d } = await start();
    const r = german(makeReferral({ createdDateTime: '2025-01-02T00:00:00Z' }, 'co-sell'));
    s.pc.seed([r]);
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    const row = () => d.fake.records('opportunities').find((o) => o.new_referralid === r.id);
    expect(row()?.new_referralexpiresat).toBeTruthy();
    d.fake.updateAsUser(String(row()?.opportunityid), { new_referraldecision: 'Accept' });
    const out = s.rt.outbounds.find((o) => o.pollQueue.name === 'poll-dynamics');
    if (!out) throw new Error('dynamics outbound is on');
    await out.poll();
    await idle(out.pushQueue);
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    expect(s.pc.get(r.id)).toMatchObject({ status: 'Active' });
    expect(row()?.new_referralexpiresat ?? null).toBeNull();
  });

  it("an accept of a lead without a currency goes through in the environment's base currency (#15)", async () => {
    const { s, dv: d } = await start();
    const r = german(
      makeReferral({ createdDateTime: '2025-01-02T00:00:00Z', details: { notes: 'no currency' } }, 'marketplace-lead'),
    );
    s.pc.seed([r]);
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    const row = () => d.fake.records('opportunities').find((o) => o.new_referralid === r.id);
    d.fake.updateAsUser(String(row()?.opportunityid), {
      new_referraldecision: 'Accept',
      name: 'Fabrikam',
      estimatedvalue: 5000,
      estimatedclosedate: '2026-06-30',
    });
    const out = s.rt.outbounds.find((o) => o.pollQueue.name === 'poll-dynamics');
    if (!out) throw new Error('dynamics outbound is on');
    await out.poll();
    await idle(out.pushQueue);
    expect(row()?.new_referralsyncmessage ?? null).toBeNull();
    expect(s.pc.get(r.id)).toMatchObject({ status: 'Active' });
  });

  it('a row a seller deleted is recreated in full when Partner Center changes one field', async () => {
    const { s, dv: d } = await start();
    const r = german(
      makeReferral({ name: 'Gelöschter Deal', details: { dealValue: 7_000, notes: 'v1', currency: 'EUR' } }, 'co-sell'),
    );
    s.pc.seed([r]);
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    const before = d.fake.records('opportunities').find((o) => o.new_referralid === r.id);
    d.fake.deleteAsUser(String(before?.opportunityid));
    const current = s.pc.get(r.id);
    s.pc.upsert({ ...current, details: { ...(current?.details as object), notes: 'v2' } });
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    const rows = d.fake.records('opportunities').filter((o) => o.new_referralid === r.id);
    expect(rows).toHaveLength(1);
    // Not only the changed notes: the name and value came back too.
    expect(rows[0]).toMatchObject({ name: 'Gelöschter Deal', estimatedvalue: 7_000, description: 'v2' });
  });

  it('a 429 storm with Retry-After: 1 completes with nothing lost and no job failed for good', async () => {
    const { s, dv: d } = await start();
    s.pc.seed(makeReferrals(60).map(german));
    d.fake.failNext(6, { status: 429, retryAfter: '1' });
    const r = await syncOnce(s.rt, { maxWaitMs: 60_000 });
    expect(r).toMatchObject({ created: 60, parked: 0, pending: 0 });
    expect(d.fake.records('opportunities')).toHaveLength(60);
    expect(await s.rt.syncQueue.getFailedCount()).toBe(0);
  });
});
