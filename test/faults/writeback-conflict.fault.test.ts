import { afterEach, describe, expect, it } from 'vitest';
import { syncOnce } from '../../jobs/sync-once.ts';
import { makeReferrals } from '../fakes/partner-center/fixtures.ts';
import { idle, REDIS_URL, startStack, type Stack } from '../integration/harness.ts';
import { expectNoSecrets, expectOneRecordEach, expectWrittenBackOnce, parkedOf, syncUntilQuiet } from './fault-kit.ts';

/*
 * Microsoft edits referrals after our pull and before our write-back: the PATCH carrying the
 * opportunity id meets a 412. The write-back is resolved against the fresh referral (id written
 * once), and the edit itself still reaches the opportunity on the next sync.
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('fault: 412 on the write-back', () => {
  it('a referral edited between pull and write-back gets its id once and its edit synced', async () => {
    stack = await startStack();
    const s = stack;
    const referrals = makeReferrals(30);
    s.pc.seed(referrals);
    const edited = referrals.filter((r) => r.status !== 'Closed').slice(0, 10);

    // Pull with the workers held, edit in Partner Center, then let the jobs run on what was pulled.
    await s.rt.syncWorker.pause();
    const pulled = await s.rt.runPull();
    expect(pulled.queued).toBe(30);
    for (const r of edited) {
      const current = s.pc.get(r.id);
      s.pc.upsert({ ...current, details: { ...(current?.details as object), notes: `Microsoft note for ${r.id}` } });
    }
    s.rt.syncWorker.resume();
    await idle(s.rt.syncQueue, 5_000, 30_000);

    const conflicts = s.pc.patches.filter((p) => p.outcome === 'conflict').map((p) => p.id);
    expect(new Set(conflicts)).toEqual(new Set(edited.map((r) => r.id)));

    // The next pull brings the edits in: the opportunities show Microsoft's notes.
    const next = await syncUntilQuiet(s.rt);
    expect(next).toMatchObject({ updated: edited.length, created: 0, parked: 0, pending: 0 });
    const opps = s.sf.fake.records('Opportunity');
    expectOneRecordEach(
      opps,
      'Referral_Id__c',
      referrals.map((r) => r.id),
    );
    for (const r of edited) {
      expect(opps.find((o) => o.Referral_Id__c === r.id)?.Description).toBe(`Microsoft note for ${r.id}`);
      expect(s.pc.get(r.id)?.details).toMatchObject({ notes: `Microsoft note for ${r.id}` });
    }
    const oppOf = new Map(opps.map((o) => [String(o.Referral_Id__c), String(o.Id)]));
    expectWrittenBackOnce(s.pc, referrals, (id) => oppOf.get(id));
    expect(await parkedOf(REDIS_URL, s.prefix)).toEqual([]);

    // Settled: one more pull writes nothing.
    const patches = s.pc.patches.length;
    const sfWrites = s.sf.fake.requests().filter((r) => r.method !== 'GET').length;
    const again = await syncOnce(s.rt, { maxWaitMs: 30_000 });
    expect(again.created + again.updated).toBe(0);
    expect(s.pc.patches.length).toBe(patches);
    expect(s.sf.fake.requests().filter((r) => r.method !== 'GET').length).toBe(sfWrites);
    expectNoSecrets(s.logs.text(), { pc: s.pc, extra: s.sf.fake.issuedAccessTokens() });
  });
});
