import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncOnce, type SyncOnceSummary } from '../../jobs/sync-once.ts';
import { makeReferrals } from '../fakes/partner-center/fixtures.ts';
import { REDIS_URL, startStack, type Stack } from '../integration/harness.ts';
import { appliedWriteBacks, expectNoSecrets, expectOneRecordEach, parkedOf, syncUntilQuiet } from './fault-kit.ts';

/*
 * A seller deletes synced opportunities in Salesforce. When Partner Center changes those
 * referrals, the next sync recreates each one exactly once, with the create-only fields
 * Salesforce requires (StageName, CloseDate), and writes the new id back.
 */
describe('fault: a CRM record deleted by a user', () => {
  let s: Stack;
  const referrals = makeReferrals(40);
  const open = referrals.filter((r) => r.status !== 'Closed');
  const victims = open.slice(0, 8);
  // Microsoft edits the deleted ones and one untouched referral (a plain update).
  const untouched = open[10];
  if (!untouched) throw new Error('fixture has enough open referrals');
  let first: SyncOnceSummary;
  let second: SyncOnceSummary;
  let oppOf: Map<string, string>;
  let settled: { third: SyncOnceSummary; sfWritesBefore: number; patchesBefore: number };
  const sfWrites = () => s.sf.fake.requests().filter((r) => r.method !== 'GET').length;

  // One scenario, run once; each `it` below checks one outcome of it.
  beforeAll(async () => {
    s = await startStack();
    s.pc.seed(referrals);
    first = await syncOnce(s.rt, { maxWaitMs: 30_000 });
    oppOf = new Map(s.sf.fake.records('Opportunity').map((o) => [String(o.Referral_Id__c), String(o.Id)]));
    for (const r of victims) s.sf.fake.deleteAsUser(oppOf.get(r.id) ?? '');
    for (const r of [...victims, untouched]) {
      const current = s.pc.get(r.id);
      s.pc.upsert({ ...current, details: { ...(current?.details as object), notes: `Updated scope for ${r.id}` } });
    }
    second = await syncUntilQuiet(s.rt);
    // Settled: another pull.
    const sfWritesBefore = sfWrites();
    const patchesBefore = s.pc.patches.length;
    settled = { third: await syncOnce(s.rt, { maxWaitMs: 30_000 }), sfWritesBefore, patchesBefore };
  }, 90_000);
  afterAll(async () => {
    await s?.close();
  });

  it('creates every opportunity on the first sync', () => {
    expect(first).toMatchObject({ created: 40, parked: 0 });
  });

  it('recreates the deleted ones and updates the untouched one on the next change', () => {
    expect(second).toMatchObject({ created: victims.length, updated: 1, parked: 0, pending: 0 });
  });

  it('ends with exactly one opportunity per referral', () => {
    expectOneRecordEach(
      s.sf.fake.records('Opportunity'),
      'Referral_Id__c',
      referrals.map((r) => r.id),
    );
  });

  it('recreates each deleted opportunity as a new record with its create-only fields and the change', () => {
    const after = s.sf.fake.records('Opportunity');
    for (const r of victims) {
      const opp = after.find((o) => o.Referral_Id__c === r.id);
      expect(opp?.Id).not.toBe(oppOf.get(r.id));
      // StageName is create-only in the mapping: an update alone would have been refused.
      expect(opp).toMatchObject({
        StageName: expect.any(String),
        CloseDate: expect.any(String),
        Description: `Updated scope for ${r.id}`,
      });
    }
  });

  it('writes the new id back to Partner Center once, after the first one', () => {
    const after = s.sf.fake.records('Opportunity');
    for (const r of victims) {
      const opp = after.find((o) => o.Referral_Id__c === r.id);
      expect(appliedWriteBacks(s.pc).get(r.id)).toEqual([oppOf.get(r.id), opp?.Id]);
      expect(s.pc.get(r.id)?.externalReferenceId).toBe(opp?.Id);
    }
  });

  it('does not write the id of the untouched opportunity back again', () => {
    expect(appliedWriteBacks(s.pc).get(untouched.id)).toEqual([oppOf.get(untouched.id)]);
  });

  it('parks nothing', async () => {
    expect(await parkedOf(REDIS_URL, s.prefix)).toEqual([]);
  });

  it('writes nothing anywhere on a further pull once settled', () => {
    expect(settled.third.created + settled.third.updated).toBe(0);
    expect(sfWrites()).toBe(settled.sfWritesBefore);
    expect(s.pc.patches.length).toBe(settled.patchesBefore);
  });

  it('logs no secret', () => {
    expectNoSecrets(s.logs.text(), { pc: s.pc, extra: s.sf.fake.issuedAccessTokens() });
  });
});
