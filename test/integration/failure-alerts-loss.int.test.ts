import { afterEach, describe, expect, it } from 'vitest';
import { FAILURE_ALERT_SCHEDULER_ID } from '../../jobs/failure-alerts.ts';
import { createWebhookPoster } from '../../connectors/webhook/webhook-poster.ts';
import { FAILURE_KINDS } from '../../src/alerts/failure-digest.ts';
import { waitFor } from '../faults/fault-kit.ts';
import { startAlertReceiver, type AlertReceiver } from './alert-receiver.ts';
import { startStack, type Stack } from './harness.ts';

/*
 * Issue 18 folds the Redis data loss notice (issue 12) into the failure digest: posted with
 * retries like every digest, and the digest's tick is registered again after the loss.
 */
let stack: Stack | undefined;
let receiver: AlertReceiver | undefined;
afterEach(async () => {
  await stack?.close();
  await receiver?.close();
  stack = undefined;
  receiver = undefined;
});

describe('failure alerts in the worker', () => {
  it('posts a Redis data loss as a digest (not the one-shot notice) and registers the tick again', async () => {
    const r = (receiver = await startAlertReceiver());
    const notices: unknown[] = [];
    const poster = createWebhookPoster({ url: r.url, format: 'json' });
    stack = await startStack({
      runtime: {
        schedulePull: true,
        notify: async (n) => {
          notices.push(n);
        },
        failureAlerts: {
          post: poster.postDigest,
          kinds: new Set(FAILURE_KINDS),
          windowMs: 15 * 60_000,
          stuckMs: 30 * 60_000,
          throttledJobs: 10,
          dashboardUrl: null,
          schedule: true,
        },
      },
    });
    const alerts = stack.rt.failureAlerts;
    if (!alerts) throw new Error('the stack runs failure alerts');
    expect(await alerts.queue.getJobScheduler(FAILURE_ALERT_SCHEDULER_ID)).toBeTruthy();

    // What a Redis restart without its data leaves: no scheduler, no epoch marker.
    await alerts.queue.removeJobScheduler(FAILURE_ALERT_SCHEDULER_ID);
    await stack.redis.del(`${stack.prefix}:epoch`);
    expect(await stack.rt.stateWatch.checkNow()).toBe(true);

    await waitFor('the state-loss digest', () => r.posts.length > 0, 30_000);
    expect(r.posts[0]?.body.digest.sections.map((s) => s.kind)).toEqual(['state-loss']);
    expect(notices).toEqual([]);
    expect(await alerts.queue.getJobScheduler(FAILURE_ALERT_SCHEDULER_ID)).toBeTruthy();
  });
});
