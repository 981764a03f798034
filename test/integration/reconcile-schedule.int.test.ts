import { afterEach, describe, expect, it } from 'vitest';
import { RECONCILE_SCHEDULER_ID } from '../../jobs/reconcile.ts';
import { startStack, type Stack } from './harness.ts';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('scheduled reconcile sweep', () => {
  it('start registers one scheduler, registered again after Redis lost its data', async () => {
    stack = await startStack({ outbound: true, runtime: { reconcileIntervalMs: 3_600_000, schedulePull: true } });
    const queue = stack.rt.reconcile?.queue;
    if (!queue) throw new Error('the stack runs the sweep');
    expect(await queue.getJobScheduler(RECONCILE_SCHEDULER_ID)).toMatchObject({ every: 3_600_000 });

    // What a Redis restart without its data leaves: no scheduler, no epoch marker.
    await queue.removeJobScheduler(RECONCILE_SCHEDULER_ID);
    await stack.redis.del(`${stack.prefix}:epoch`);
    expect(await stack.rt.stateWatch.checkNow()).toBe(true);
    expect(await queue.getJobScheduler(RECONCILE_SCHEDULER_ID)).toMatchObject({ every: 3_600_000 });
    expect(await queue.getJobSchedulersCount()).toBe(1);
  });

  it('0 turns it off and removes a scheduler registered before', async () => {
    stack = await startStack({ outbound: true, runtime: { reconcileIntervalMs: 3_600_000, schedulePull: true } });
    const off = await stack.restart({ reconcileIntervalMs: 0, schedulePull: true });
    expect(await off.reconcile?.queue.getJobSchedulersCount()).toBe(0);
  });
});
