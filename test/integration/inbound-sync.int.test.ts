import { afterEach, describe, expect, it } from 'vitest';
import type { Mapping } from '../../src/mapping/schema.ts';
import { syncOnce } from '../../jobs/sync-once.ts';
import { makeReferral, makeReferrals } from '../fakes/partner-center/fixtures.ts';
import { opportunityWrites, PC_CLIENT, startStack, type Stack } from './harness.ts';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const drain = (s: Stack, rt = s.rt) => syncOnce(rt, { maxWaitMs: 60_000 });

/** Microsoft edits the referral's details in Partner Center. */
function editDetails(s: Stack, referralId: string, details: Record<string, unknown>): void {
  const current = s.pc.get(referralId);
  s.pc.upsert({ ...current, details: { ...(current?.details as object), ...details } });
}

/** Seeds one referral, syncs it, and returns its opportunity's id. */
async function syncedOpportunity(
  s: Stack,
  overrides: Parameters<typeof makeReferral>[0],
): Promise<{ referralId: string; oppId: string }> {
  const r = makeReferral(overrides, 'co-sell');
  s.pc.seed([r]);
  await drain(s);
  const opp = s.sf.fake.records('Opportunity').find((o) => o.Referral_Id__c === r.id);
  return { referralId: r.id, oppId: String(opp?.Id) };
}

function successfulPatches(s: Stack) {
  const byId = new Map<string, number>();
  for (const p of s.pc.patches) if (p.outcome === 'applied') byId.set(p.id, (byId.get(p.id) ?? 0) + 1);
  return byId;
}

describe('inbound sync: Partner Center -> Salesforce (real Redis, BullMQ, fakes)', () => {
  it('turns 500 referrals into exactly 500 opportunities in <= 5 collection calls, writes each id back once, and re-runs with zero CRM writes', async () => {
    stack = await startStack();
    const referrals = makeReferrals(500);
    stack.pc.seed(referrals);

    const first = await drain(stack);
    expect(first).toMatchObject({ fetched: 500, created: 500, parked: 0, pending: 0 });
    const opps = stack.sf.fake.records('Opportunity');
    expect(opps).toHaveLength(500);
    expect(new Set(opps.map((o) => o.Referral_Id__c))).toEqual(new Set(referrals.map((r) => r.id)));
    // Lower bound is ceil(500 / 200) = 3 calls; concurrent jobs share collection calls.
    const writes = opportunityWrites(stack.sf);
    expect(writes.collections + writes.singles).toBeLessThanOrEqual(5);

    // The Opportunity id went back into externalReferenceId, exactly once per referral that
    // still accepts edits (Closed referrals are terminal in Partner Center).
    const open = referrals.filter((r) => r.status !== 'Closed');
    expect(open.length).toBeGreaterThan(300);
    const patches = successfulPatches(stack);
    expect(new Set(patches.keys())).toEqual(new Set(open.map((r) => r.id)));
    expect([...patches.values()].every((n) => n === 1)).toBe(true);
    const openIds = new Set(open.map((r) => r.id));
    for (const o of opps.filter((x) => openIds.has(String(x.Referral_Id__c))).slice(0, 50)) {
      expect(stack.pc.get(String(o.Referral_Id__c))?.externalReferenceId).toBe(o.Id);
    }

    // Pull again: our own write-back PATCHes changed every eTag, yet nothing reaches Salesforce.
    stack.sf.fake.resetCounters();
    const writesBefore = stack.sf.fake.requests().length;
    const second = await drain(stack);
    expect(second.created + second.updated).toBe(0);
    expect(
      stack.sf.fake
        .requests()
        .slice(writesBefore)
        .filter((r) => r.method !== 'GET'),
    ).toEqual([]);
    expect(stack.pc.patches.filter((p) => p.outcome === 'applied')).toHaveLength(open.length);
  });

  it('updates the opportunity when the referral changes in Partner Center, and leaves the seller-owned stage alone', async () => {
    stack = await startStack();
    const r = makeReferral({ name: 'Harbor Health landing zone' }, 'co-sell');
    stack.pc.seed([r]);
    await drain(stack);
    const [opp] = stack.sf.fake.records('Opportunity');
    expect(opp?.Name).toBe('Harbor Health landing zone');
    stack.sf.fake.updateAsUser(String(opp?.Id), { StageName: 'Negotiation/Review' });

    editDetails(stack, r.id, { dealValue: 250_000, notes: 'Expanded scope' });
    const s = await drain(stack);
    expect(s.updated).toBe(1);
    const after = stack.sf.fake.record('Opportunity', String(opp?.Id));
    expect(after).toMatchObject({ Amount: 250_000, Description: 'Expanded scope', StageName: 'Negotiation/Review' });
    expect(stack.sf.fake.records('Opportunity')).toHaveLength(1);
  });

  it('sends only the fields Partner Center changed: a seller edit to another mapped field stays', async () => {
    stack = await startStack();
    const { referralId, oppId } = await syncedOpportunity(stack, {
      name: 'Harbor Health landing zone',
      details: { dealValue: 100_000, notes: 'first', currency: 'USD' },
    });
    // The seller re-prices the deal in Salesforce (not pushed to Partner Center: outbound is off here).
    stack.sf.fake.updateAsUser(oppId, { Amount: 180_000, Name: 'Harbor Health LZ (phase 1)' });

    editDetails(stack, referralId, { notes: 'Customer asked for a call' });
    stack.sf.fake.resetCounters();
    expect(await drain(stack)).toMatchObject({ updated: 1 });
    expect(stack.sf.fake.record('Opportunity', oppId)).toMatchObject({
      Description: 'Customer asked for a call',
      Amount: 180_000,
      Name: 'Harbor Health LZ (phase 1)',
    });
    expect(stack.sf.fake.requests().filter((q) => q.method !== 'GET')).toHaveLength(1);

    // Partner Center changes the value itself: that field is written (Microsoft's change is newer).
    editDetails(stack, referralId, { dealValue: 200_000 });
    await drain(stack);
    expect(stack.sf.fake.record('Opportunity', oppId)).toMatchObject({
      Amount: 200_000,
      Name: 'Harbor Health LZ (phase 1)',
    });
  });

  it('assignOwnerFromTeam: the seller on the referral team owns the new opportunity; a later reassignment stays', async () => {
    stack = await startStack({
      mapping: (m) => ({
        ...m,
        ...(m.salesforce ? { salesforce: { ...m.salesforce, assignOwnerFromTeam: true } } : {}),
      }),
    });
    const marta = stack.sf.fake.setRecord('User', {
      FirstName: 'Marta',
      LastName: 'Kowalski',
      Email: 'marta.kowalski@northwind.example',
      IsActive: true,
    });
    const { referralId, oppId } = await syncedOpportunity(stack, {
      details: { notes: 'v1', currency: 'USD', dealValue: 1 },
    });
    expect(stack.pc.get(referralId)?.team).toEqual(
      expect.arrayContaining([expect.objectContaining({ email: 'marta.kowalski@northwind.example' })]),
    );
    expect(stack.sf.fake.record('Opportunity', oppId)?.OwnerId).toBe(marta);

    // A sales manager hands the deal to someone else; Microsoft then edits the notes.
    stack.sf.fake.updateAsUser(oppId, { OwnerId: stack.sf.fake.humanUserId });
    editDetails(stack, referralId, { notes: 'v2' });
    await drain(stack);
    expect(stack.sf.fake.record('Opportunity', oppId)).toMatchObject({
      Description: 'v2',
      OwnerId: stack.sf.fake.humanUserId,
    });
  });

  it('recreates a deleted opportunity in full when only one field changed', async () => {
    stack = await startStack();
    const { referralId, oppId } = await syncedOpportunity(stack, {
      name: 'Deleted by a seller',
      details: { dealValue: 5_000, notes: 'n1', currency: 'USD' },
    });
    stack.sf.fake.deleteAsUser(oppId);
    editDetails(stack, referralId, { notes: 'n2' });
    await drain(stack);
    const live = stack.sf.fake.records('Opportunity');
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({
      Referral_Id__c: referralId,
      Name: 'Deleted by a seller',
      Amount: 5_000,
      Description: 'n2',
    });
    expect(typeof live[0]?.StageName).toBe('string');
  });

  it('parks a referral whose mapping fails, naming the field, while the others sync', async () => {
    const requireValue = (m: Mapping): Mapping => {
      const sf = m.salesforce;
      if (!sf) throw new Error('default mapping has a salesforce section');
      return {
        ...m,
        salesforce: {
          ...sf,
          fields: { ...sf.fields, Amount: { from: 'details.dealValue', format: 'number', required: true } },
        },
      };
    };
    stack = await startStack({ mapping: requireValue });
    const good = makeReferrals(10).map((r) => ({ ...r, details: { ...r.details, dealValue: 1000 } }));
    const bad = makeReferral({ details: { notes: 'no value yet' } }, 'marketplace-lead');
    stack.pc.seed([...good, bad]);

    const s = await drain(stack);
    expect(s).toMatchObject({ created: 10, parked: 1 });
    const parked = await stack.rt.parking.list();
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ referralId: bad.id, stage: 'map' });
    expect(parked[0]?.reason).toContain('salesforce.fields.Amount');
    expect(parked[0]?.reason).toContain(bad.id);
    const failed = await stack.rt.syncQueue.getFailed();
    expect(failed.map((j) => j.data.referralId)).toEqual([bad.id]);
    expect(failed[0]?.failedReason).toContain('salesforce.fields.Amount');
  });

  it('parks a referral Partner Center returns malformed (reason names the field) and syncs the rest', async () => {
    stack = await startStack();
    const good = makeReferrals(5);
    const r = makeReferral({}, 'co-sell');
    const broken = { ...r, details: { ...r.details, dealValue: 'a lot' } };
    stack.pc.seed([...good, broken as never]);
    const s = await drain(stack);
    expect(s).toMatchObject({ created: 5, invalid: 1 });
    const parked = await stack.rt.parking.list();
    expect(parked).toEqual([expect.objectContaining({ referralId: broken.id, stage: 'validate' })]);
    expect(parked[0]?.reason).toContain('details.dealValue');
  });

  it('retries a Salesforce 503 and a Partner Center 429 (Retry-After) with nothing lost', async () => {
    stack = await startStack();
    const referrals = makeReferrals(30);
    stack.pc.seed(referrals);
    stack.sf.fake.failNext(1, 503);
    stack.pc.failNext(2, { status: 429, retryAfter: '1' });
    const s = await drain(stack);
    expect(s).toMatchObject({ created: 30, parked: 0, pending: 0 });
    expect(stack.sf.fake.records('Opportunity')).toHaveLength(30);
    expect(successfulPatches(stack).size).toBe(referrals.filter((r) => r.status !== 'Closed').length);
  });

  it('never writes a secret into logs, job data or failure reasons', async () => {
    stack = await startStack();
    stack.pc.seed(makeReferrals(20));
    stack.sf.fake.failNext(1, 500);
    await drain(stack);
    stack.sf.fake.expireTokens();
    stack.pc.upsert({ ...makeReferral({}, 'co-sell') });
    await drain(stack);
    const tokens = [...stack.pc.issuedAccessTokens(), PC_CLIENT.clientSecret];
    const jobs = await stack.rt.syncQueue.getJobs(['completed', 'failed', 'delayed', 'waiting']);
    const stored = JSON.stringify(jobs.map((j) => ({ data: j.data, reason: j.failedReason, stack: j.stacktrace })));
    const logged = stack.logs.text();
    expect(logged.length).toBeGreaterThan(0);
    for (const t of tokens) {
      expect(logged).not.toContain(t);
      expect(stored).not.toContain(t);
    }
    expect(logged).not.toMatch(/Bearer\s+[A-Za-z0-9]/);
    // Customer contact details stay out of the log too (ids only).
    expect(logged).not.toMatch(/@[a-z0-9-]+\.example/);
  });
});
