import { afterEach, describe, expect, it } from 'vitest';
import { syncOnce } from '../../jobs/sync-once.ts';
import { makeReferrals } from '../fakes/partner-center/fixtures.ts';
import { REDIS_URL, startStack, type Stack } from '../integration/harness.ts';
import { appliedWriteBacks, expectNoSecrets, expectOneRecordEach, parkedOf, syncUntilQuiet } from './fault-kit.ts';

/*
 * A seller deletes synced opportunities in Salesforce. When Partner Center changes those
 * referrals, the next sync recreates each one exactly once, with the create-only fields
 * Salesforce requires (StageName, CloseDate), and writes the new id back.
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('fault: a CRM record deleted by a user', () => {
  it('the next change in Partner Center recreates exactly one opportunity with its create-only fields', async () => {
    stack = await startStack();
    const s = stack;
    const referrals = makeReferrals(40);
    s.pc.seed(referrals);
    expect(await syncOnce(s.rt, { maxWaitMs: 30_000 })).toMatchObject({ created: 40, parked: 0 });

    const opps = s.sf.fake.records('Opportunity');
    const oppOf = new Map(opps.map((o) => [String(o.Referral_Id__c), String(o.Id)]));
    const open = referrals.filter((r) => r.status !== 'Closed');
    const victims = open.slice(0, 8);
    for (const r of victims) s.sf.fake.deleteAsUser(oppOf.get(r.id) ?? '');
    // Microsoft edits the deleted ones (and one untouched referral, which is a plain update).
    const untouched = open[10];
    if (!untouched) throw new Error('fixture has enough open referrals');
    for (const r of [...victims, untouched]) {
      const current = s.pc.get(r.id);
      s.pc.upsert({ ...current, details: { ...(current?.details as object), notes: `Updated scope for ${r.id}` } });
    }

    const second = await syncUntilQuiet(s.rt);
    expect(second).toMatchObject({ created: victims.length, updated: 1, parked: 0, pending: 0 });

    const after = s.sf.fake.records('Opportunity');
    expectOneRecordEach(
      after,
      'Referral_Id__c',
      referrals.map((r) => r.id),
    );
    for (const r of victims) {
      const opp = after.find((o) => o.Referral_Id__c === r.id);
      expect(opp?.Id).not.toBe(oppOf.get(r.id));
      // StageName is create-only in the mapping: an update alone would have been refused.
      expect(opp).toMatchObject({
        StageName: expect.any(String),
        CloseDate: expect.any(String),
        Description: `Updated scope for ${r.id}`,
      });
      // The new id went back to Partner Center, once, after the first one.
      expect(appliedWriteBacks(s.pc).get(r.id)).toEqual([oppOf.get(r.id), opp?.Id]);
      expect(s.pc.get(r.id)?.externalReferenceId).toBe(opp?.Id);
    }
    expect(appliedWriteBacks(s.pc).get(untouched.id)).toEqual([oppOf.get(untouched.id)]);
    expect(await parkedOf(REDIS_URL, s.prefix)).toEqual([]);

    // Settled: another pull writes nothing anywhere.
    const sfWrites = s.sf.fake.requests().filter((r) => r.method !== 'GET').length;
    const patches = s.pc.patches.length;
    const third = await syncOnce(s.rt, { maxWaitMs: 30_000 });
    expect(third.created + third.updated).toBe(0);
    expect(s.sf.fake.requests().filter((r) => r.method !== 'GET').length).toBe(sfWrites);
    expect(s.pc.patches.length).toBe(patches);
    expectNoSecrets(s.logs.text(), { pc: s.pc, extra: s.sf.fake.issuedAccessTokens() });
  });
});
