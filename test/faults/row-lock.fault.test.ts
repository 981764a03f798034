import { afterEach, describe, expect, it } from 'vitest';
import { syncOnce } from '../../jobs/sync-once.ts';
import { makeReferrals } from '../fakes/partner-center/fixtures.ts';
import { opportunityWrites, REDIS_URL, startStack, type Stack } from '../integration/harness.ts';
import { expectNoSecrets, expectOneRecordEach, expectWrittenBackOnce, parkedOf } from './fault-kit.ts';

/*
 * Salesforce answers UNABLE_TO_LOCK_ROW for some records of a collection upsert (another
 * transaction holds the row or its parent Account). The rest of the collection is saved; the
 * locked ones are retried by their jobs and saved on the third try, without duplicates.
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('fault: Salesforce UNABLE_TO_LOCK_ROW', () => {
  it('locked records are retried until saved: one opportunity each, ids written back once, nothing parked', async () => {
    stack = await startStack();
    const s = stack;
    const referrals = makeReferrals(120);
    s.pc.seed(referrals);
    const locked = referrals.filter((_, i) => i % 10 === 3).map((r) => r.id);
    for (const id of locked) s.sf.fake.failRecord(id, 'UNABLE_TO_LOCK_ROW', 2);

    const summary = await syncOnce(s.rt, { maxWaitMs: 45_000 });
    expect(summary).toMatchObject({ fetched: 120, created: 120, parked: 0, pending: 0 });

    const opps = s.sf.fake.records('Opportunity');
    expectOneRecordEach(
      opps,
      'Referral_Id__c',
      referrals.map((r) => r.id),
    );
    const oppOf = new Map(opps.map((o) => [String(o.Referral_Id__c), String(o.Id)]));
    expectWrittenBackOnce(s.pc, referrals, (id) => oppOf.get(id));
    expect(await parkedOf(REDIS_URL, s.prefix)).toEqual([]);
    expect(await s.rt.syncQueue.getFailedCount()).toBe(0);

    // Each locked record was refused exactly twice (two failed attempts of its job), then saved.
    const lockLines = s.logs.lines.filter((l) => l.includes('sync attempt failed') && l.includes('UNABLE_TO_LOCK_ROW'));
    expect(lockLines).toHaveLength(locked.length * 2);
    // The retries went through the batcher like everything else: a handful of calls, not one per try.
    const writes = opportunityWrites(s.sf);
    expect(writes.collections + writes.singles).toBeLessThanOrEqual(1 + locked.length * 2);
    expectNoSecrets(s.logs.text(), { pc: s.pc, extra: s.sf.fake.issuedAccessTokens() });
  });
});
