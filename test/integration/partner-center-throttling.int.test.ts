import { afterEach, describe, expect, it } from 'vitest';
import { syncOnce } from '../../jobs/sync-once.ts';
import { makeReferrals } from '../fakes/partner-center/fixtures.ts';
import { startStack, type Stack } from './harness.ts';

/*
 * Issue 19: Partner Center answering 429 paces the sync queue (BullMQ's rate limit), it does not
 * fail jobs. The fake throttles write-back PATCHes far below what the unpaced worker sends.
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('Partner Center throttling the write-back (real Redis, BullMQ, fake answering 429)', () => {
  const referrals = makeReferrals(200);
  const open = referrals.filter((r) => r.status !== 'Closed');

  const throttledRun = async (): Promise<Stack> => {
    const s = await startStack({ partnerCenter: { patchesPerSecond: 40 } });
    s.pc.seed(referrals);
    const summary = await syncOnce(s.rt, { maxWaitMs: 60_000 });
    expect(summary).toMatchObject({ fetched: 200, created: 200, parked: 0, pending: 0 });
    return s;
  };

  it('spends no job attempt on a 429 (#19)', async () => {
    stack = await throttledRun();
    expect(stack.pc.throttledPatches()).toBeGreaterThan(0);
    const done = await stack.rt.syncQueue.getJobs(['completed']);
    expect(done).toHaveLength(200);
    expect(done.filter((j) => j.attemptsMade !== 1).map((j) => `${String(j.id)}: ${j.attemptsMade}`)).toEqual([]);
  });

  it('writes every open referral id back exactly once despite the 429s', async () => {
    stack = await throttledRun();
    const applied = stack.pc.patches.filter((p) => p.outcome === 'applied').map((p) => p.id);
    expect(applied.sort()).toEqual(open.map((r) => r.id).sort());
  });
});
