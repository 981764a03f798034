import { afterEach, describe, expect, it } from 'vitest';
import { syncOnce } from '../../jobs/sync-once.ts';
import { crmListCalls, partnerCenterListCalls } from '../../src/sync/reconcile-cost.ts';
import { makeReferral } from '../fakes/partner-center/fixtures.ts';
import { startStack, type Stack } from './harness.ts';

/*
 * The README's cost of a sweep is computed (reconcile-cost.ts); this checks the formula against
 * the calls the fakes count, at a small N with a small Partner Center page so paging shows.
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('reconcile sweep cost', () => {
  it('lists with as many calls as reconcile-cost.ts computes', async () => {
    const pageSize = 4;
    stack = await startStack({ outbound: true, runtime: { reconcileIntervalMs: 0, pageSize } });
    const s = stack;
    const recent = new Date(Date.now() - 86_400_000).toISOString();
    const old = new Date(Date.now() - 60 * 86_400_000).toISOString();
    const many = (n: number, over: Parameters<typeof makeReferral>[0]) =>
      Array.from({ length: n }, () => makeReferral(over, 'co-sell'));
    s.pc.seed([
      ...many(10, { status: 'New', substatus: 'Pending' }),
      ...many(9, { status: 'Active', substatus: 'Accepted' }),
      ...many(5, { status: 'Closed', substatus: 'Won', updatedDateTime: recent }),
      ...many(3, { status: 'Closed', substatus: 'Lost', updatedDateTime: old }),
    ]);
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    const opportunities = s.sf.fake.records('Opportunity').length;
    s.pc.resetCounters();
    s.sf.fake.resetCounters();

    const { report } = await (s.rt.reconcile?.reconciler.run({ dryRun: true }) ??
      Promise.reject(new Error('no reconcile')));

    expect(report.referrals).toBe(24);
    expect(s.pc.counters.list).toBe(partnerCenterListCalls({ new: 10, active: 9, closedRecently: 5 }, pageSize));
    expect(s.pc.counters.list).toBe(8);
    const sf = s.sf.fake.counters();
    // +1: a single-currency org's default currency, read once in the connector's life (#15), here
    // on its first listing; a scheduled sweep in a running worker finds it read already.
    expect(sf.query + sf.queryMore).toBe(crmListCalls({ opportunities, pageSize: 2000, teamIdsPerQuery: 200 }) + 1);
    // Nothing but listing: no reads of single records, no writes.
    expect(s.pc.counters.get + s.pc.counters.patch).toBe(0);
    expect(sf.total - sf.query - sf.queryMore - sf.token).toBe(0);
  }, 60_000);
});
