import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisReferralStore } from '../../connectors/redis/referral-store.ts';
import { syncOnce } from '../../jobs/sync-once.ts';
import { makeReferral } from '../fakes/partner-center/fixtures.ts';
import { idle, startStack, type Stack } from './harness.ts';

/*
 * A sweep lists Partner Center, then repairs one drift after another; meanwhile a sync may store
 * a newer copy of a referral than the one listed. The repair must not put the older copy back
 * (the push decides from the stored copy).
 */
let s: Stack;
let id = '';
const newer = '2099-01-01T00:00:00.000Z';

beforeAll(async () => {
  s = await startStack({ outbound: true, runtime: { reconcileIntervalMs: 0 } });
  const r = makeReferral({ status: 'New', substatus: 'Pending', externalReferenceId: null }, 'co-sell');
  id = r.id;
  s.pc.seed([r]);
  await syncOnce(s.rt, { maxWaitMs: 30_000 });
  const opp = s.sf.fake.records('Opportunity').find((o) => o.Referral_Id__c === id);
  // undelivered-decision: the seller accepted and no poll ran, so the sweep queues a push.
  s.sf.fake.updateAsUser(String(opp?.Id), {
    Referral_Decision__c: 'Accept',
    Name: 'Contoso rollout',
    Amount: 90_000,
    CloseDate: '2026-06-30',
  });
  // The stored copy is newer than what the sweep is about to list (a sync stored it meanwhile).
  const store = createRedisReferralStore(s.redis, s.prefix);
  const current = await store.get(id);
  if (!current) throw new Error('the first sync stores the referral');
  await store.putMany([{ ...current, updatedDateTime: newer }]);
}, 120_000);

afterAll(async () => {
  await s.close();
});

describe('reconcile repair and the stored referral', () => {
  it('queues the push repair and keeps the newer stored copy', async () => {
    const reconcile = s.rt.reconcile;
    if (!reconcile || !s.rt.outbound) throw new Error('reconcile and outbound are on in this stack');
    const result = await reconcile.reconciler.run({ dryRun: false });
    expect(result.drifts.filter((d) => d.referralId === id).map((d) => d.kind)).toEqual(['undelivered-decision']);
    expect(result.report.queued).toBe(1);
    const stored = await createRedisReferralStore(s.redis, s.prefix).get(id);
    expect(stored?.updatedDateTime).toBe(newer);
    await idle(s.rt.outbound.pushQueue);
  });
});
