import { afterEach, describe, expect, it } from 'vitest';
import { syncOnce } from '../../jobs/sync-once.ts';
import { makeReferrals } from '../fakes/partner-center/fixtures.ts';
import { german, REDIS_URL, startStack, type Stack } from '../integration/harness.ts';
import { expectNoSecrets, expectOneRecordEach, expectWrittenBackOnce, parkedOf } from './fault-kit.ts';

/*
 * A 429 storm on every remote at once (CRM=both): Partner Center throttles the list and then
 * the write-back PATCHes, Salesforce throttles whole calls, Dataverse throttles its $batch, all
 * with Retry-After. A 429 pauses the whole queue and costs no job attempt (jobs/processor.ts,
 * issue 19), so nothing is parked and everything lands once.
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('fault: 429 storms with Retry-After on every remote', () => {
  it('Partner Center list and PATCH, Salesforce and Dataverse all throttled: nothing parked, all done once', async () => {
    // Partner Center: the first PATCH arms a burst of 429s for the calls right after it.
    let armed = false;
    stack = await startStack({
      dynamics: true,
      wrapPartnerCenter: (inner, pc) => ({
        listReferrals: (q) => inner.listReferrals(q),
        getReferral: (id) => inner.getReferral(id),
        patchReferral: (id, ops, eTag) => {
          if (!armed) {
            armed = true;
            pc.failNext(8, { status: 429, retryAfter: '1' });
          }
          return inner.patchReferral(id, ops, eTag);
        },
      }),
    });
    const s = stack;
    const d = s.dv;
    if (!d) throw new Error('the stack has a fake Dataverse');

    const de = makeReferrals(150).map(german);
    const us = makeReferrals(150, Date.parse('2025-02-01T00:00:00Z'));
    const referrals = [...de, ...us];
    s.pc.seed(referrals);
    s.pc.failNext(2, { status: 429, retryAfter: '1' }); // the first list pages
    s.sf.fake.failNext(3, 429, '1');
    d.fake.failNext(3, { status: 429, retryAfter: '1' });

    const summary = await syncOnce(s.rt, { maxWaitMs: 50_000 });
    expect(summary).toMatchObject({ fetched: 300, parked: 0, pending: 0 });
    // A job whose write-back PATCH was throttled ran again after its CRM write: it still
    // reports the creation its first run made.
    expect(summary).toMatchObject({ created: 300, updated: 0, unchanged: 0 });
    expect(await s.rt.syncQueue.getFailedCount()).toBe(0);
    expect(await parkedOf(REDIS_URL, s.prefix)).toEqual([]);

    // Every remote was throttled.
    expect(armed).toBe(true);
    expect(s.sf.fake.requests().filter((r) => r.status === 429)).toHaveLength(3);
    const patchCalls = s.pc.counters.patch;
    expect(patchCalls - s.pc.patches.length).toBeGreaterThan(0); // PATCHes answered 429 (not recorded as patches)
    const { token: _token, unauthorized: _unauthorized, ...dvCalls } = d.fake.counters;
    expect(Object.values(dvCalls).reduce((a, b) => a + b, 0)).toBeGreaterThan(3); // 3 answered 429, then success
    expect(
      s.logs.lines.filter((l) => l.includes('rate limited; the queue waits without spending an attempt')).length,
    ).toBeGreaterThan(0);
    // Every 429 handed its job back without spending an attempt: each job completed on its first.
    const done = await s.rt.syncQueue.getJobs(['completed']);
    expect(done).toHaveLength(300);
    expect(done.filter((j) => j.attemptsMade !== 1).map((j) => `${String(j.id)}: ${j.attemptsMade}`)).toEqual([]);

    // End state: one opportunity per referral in the CRM it is routed to, ids written back once.
    const sfOpps = s.sf.fake.records('Opportunity');
    const dvOpps = d.fake.records('opportunities');
    expectOneRecordEach(
      sfOpps,
      'Referral_Id__c',
      us.map((r) => r.id),
    );
    expectOneRecordEach(
      dvOpps,
      'new_referralid',
      de.map((r) => r.id),
    );
    const crmIdOf = new Map<string, string>([
      ...sfOpps.map((o): [string, string] => [String(o.Referral_Id__c), String(o.Id)]),
      ...dvOpps.map((o): [string, string] => [String(o.new_referralid), String(o.opportunityid)]),
    ]);
    expectWrittenBackOnce(s.pc, referrals, (id) => crmIdOf.get(id));
    expectNoSecrets(s.logs.text(), {
      pc: s.pc,
      extra: [...s.sf.fake.issuedAccessTokens(), ...d.fake.issuedAccessTokens(), 'dv-secret'],
    });
  });
});
