import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncOnce, type SyncOnceSummary } from '../../jobs/sync-once.ts';
import type { PullResult } from '../../src/sync/pull-referrals.ts';
import { makeReferrals } from '../fakes/partner-center/fixtures.ts';
import { idle, REDIS_URL, startStack, type Stack } from '../integration/harness.ts';
import { expectNoSecrets, expectOneRecordEach, expectWrittenBackOnce, parkedOf, syncUntilQuiet } from './fault-kit.ts';

/*
 * Microsoft edits referrals after our pull and before our write-back: the PATCH carrying the
 * opportunity id meets a 412. The write-back is resolved against the fresh referral (id written
 * once), and the edit itself still reaches the opportunity on the next sync.
 */
describe('fault: 412 on the write-back', () => {
  let s: Stack;
  const referrals = makeReferrals(30);
  const edited = referrals.filter((r) => r.status !== 'Closed').slice(0, 10);
  let pulled: PullResult;
  let next: SyncOnceSummary;
  let settled: { again: SyncOnceSummary; patchesBefore: number; sfWritesBefore: number };
  const sfWrites = () => s.sf.fake.requests().filter((r) => r.method !== 'GET').length;

  // One scenario, run once; each `it` below checks one outcome of it.
  beforeAll(async () => {
    s = await startStack();
    s.pc.seed(referrals);
    // Pull with the workers held, edit in Partner Center, then let the jobs run on what was pulled.
    await s.rt.syncWorker.pause();
    pulled = await s.rt.runPull();
    for (const r of edited) {
      const current = s.pc.get(r.id);
      s.pc.upsert({ ...current, details: { ...(current?.details as object), notes: `Microsoft note for ${r.id}` } });
    }
    s.rt.syncWorker.resume();
    await idle(s.rt.syncQueue, 5_000, 30_000);
    // The next pull brings the edits in.
    next = await syncUntilQuiet(s.rt);
    // Settled: one more pull.
    const patchesBefore = s.pc.patches.length;
    const sfWritesBefore = sfWrites();
    settled = { again: await syncOnce(s.rt, { maxWaitMs: 30_000 }), patchesBefore, sfWritesBefore };
  }, 90_000);
  afterAll(async () => {
    await s?.close();
  });

  it('queues every referral of the pull', () => {
    expect(pulled.queued).toBe(30);
  });

  it('meets a 412 on the write-back of exactly the referrals edited after the pull', () => {
    const conflicts = s.pc.patches.filter((p) => p.outcome === 'conflict').map((p) => p.id);
    expect(new Set(conflicts)).toEqual(new Set(edited.map((r) => r.id)));
  });

  it('updates the edited opportunities on the next pull, creating and parking nothing', () => {
    expect(next).toMatchObject({ updated: edited.length, created: 0, parked: 0, pending: 0 });
  });

  it("shows Microsoft's edit on each edited opportunity and keeps it in Partner Center", () => {
    const opps = s.sf.fake.records('Opportunity');
    for (const r of edited) {
      expect(opps.find((o) => o.Referral_Id__c === r.id)?.Description).toBe(`Microsoft note for ${r.id}`);
      expect(s.pc.get(r.id)?.details).toMatchObject({ notes: `Microsoft note for ${r.id}` });
    }
  });

  it('keeps one opportunity per referral and writes each opportunity id back once', () => {
    const opps = s.sf.fake.records('Opportunity');
    expectOneRecordEach(
      opps,
      'Referral_Id__c',
      referrals.map((r) => r.id),
    );
    const oppOf = new Map(opps.map((o) => [String(o.Referral_Id__c), String(o.Id)]));
    expectWrittenBackOnce(s.pc, referrals, (id) => oppOf.get(id));
  });

  it('parks nothing', async () => {
    expect(await parkedOf(REDIS_URL, s.prefix)).toEqual([]);
  });

  it('writes nothing on a further pull once settled', () => {
    expect(settled.again.created + settled.again.updated).toBe(0);
    expect(s.pc.patches.length).toBe(settled.patchesBefore);
    expect(sfWrites()).toBe(settled.sfWritesBefore);
  });

  it('logs no secret', () => {
    expectNoSecrets(s.logs.text(), { pc: s.pc, extra: s.sf.fake.issuedAccessTokens() });
  });
});
