import { Queue } from 'bullmq';
import { REDIS_URL } from '../test/integration/harness.ts';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLog } from '../test/redis/expiry-scan.fixture.ts';
import { testRedis, type TestRedis } from '../test/redis/expiry-test-redis.ts';
import { createRedisParkingLot } from '../connectors/redis/parking-lot.ts';
import { createStateEpoch } from '../connectors/redis/state-epoch.ts';
import { createCredentialStore } from '../connectors/redis/credential-store.ts';
import { createWebhookPoster } from '../connectors/webhook/webhook-poster.ts';
import { FAILURE_KINDS, type FailureKind } from '../src/alerts/failure-digest.ts';
import { waitFor } from '../test/faults/fault-kit.ts';
import {
  startAlertReceiver as startReceiver,
  type AlertReceiver as Receiver,
} from '../test/integration/alert-receiver.ts';
import { startFailureAlerts, type FailureAlerts } from './failure-alerts.ts';

/*
 * Issue 18, failure alerts end to end: real Redis and BullMQ, a local HTTP receiver as the alert
 * webhook, the tick run by hand with a clock the test moves. Deliveries run in the BullMQ worker.
 */

const WINDOW_MS = 15 * 60_000;
let redis: TestRedis;
/** Connections as BullMQ workers need them (no per-request retry limit), closed after each test. */
const workerConnections: Redis[] = [];
const workerConnection = () => {
  const c = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  workerConnections.push(c);
  return c;
};
let receiver: Receiver;
const started: FailureAlerts[] = [];
let now = new Date('2026-03-10T12:00:00Z');
const clock = { now: () => now };

beforeEach(async () => {
  redis = testRedis();
  receiver = await startReceiver();
  now = new Date('2026-03-10T12:00:00Z');
});
afterEach(async () => {
  for (const a of started.splice(0)) await a.close(true);
  await receiver.close();
  await redis.cleanup();
  await Promise.all(workerConnections.splice(0).map((c) => c.quit()));
});

async function alerts(
  kinds: readonly FailureKind[] = FAILURE_KINDS,
  connection: Redis = workerConnection(),
  throttledQueueNames: readonly string[] = [],
) {
  const poster = createWebhookPoster({ url: receiver.url, format: 'json', timeoutMs: 5_000 });
  const a = await startFailureAlerts(
    {
      connection,
      prefix: redis.prefix,
      parking: createRedisParkingLot(connection, redis.prefix),
      epoch: createStateEpoch(connection, redis.prefix),
      queueNames: [],
      throttledQueueNames,
      clock,
      log: silentLog,
    },
    {
      post: poster.postDigest,
      kinds: new Set(kinds),
      windowMs: WINDOW_MS,
      stuckMs: 30 * 60_000,
      throttledJobs: 3,
      dashboardUrl: 'https://ops.example.com/',
      schedule: false,
    },
  );
  started.push(a);
  return a;
}

const park = (referralId: string) =>
  createRedisParkingLot(redis.redis, redis.prefix).park({
    referralId,
    reason: 'salesforce.fields.CloseDate: not a date (value ***)',
    stage: 'map',
    at: now.toISOString(),
  });
const delivered = (a: FailureAlerts) =>
  waitFor('the digest to be delivered', async () => (await a.store.pending()).length === 0, 20_000);
const subjects = (i: number) => receiver.posts[i]?.body.digest.sections.flatMap((s) => s.items.map((x) => x.subject));

describe('failure alerts', () => {
  it('posts one digest for a parked referral, with its id and a link to the dashboard', async () => {
    const a = await alerts();
    await park('ref-1');
    expect(await a.tick()).toBe('queued');
    await delivered(a);
    expect(receiver.posts).toHaveLength(1);
    expect(receiver.posts[0]?.body).toMatchObject({
      type: 'referral-sync.failure-digest',
      digest: {
        dashboardUrl: 'https://ops.example.com',
        sections: [
          { kind: 'parked', count: 1, items: [{ subject: 'ref-1', link: 'https://ops.example.com/referrals/ref-1' }] },
        ],
      },
    });
  });

  it('does not report the same parked referral in a later digest', async () => {
    const a = await alerts();
    await park('ref-1');
    await a.tick();
    await delivered(a);
    now = new Date(now.getTime() + 2 * WINDOW_MS);
    expect(await a.tick()).toBe('nothing');
  });

  it('posts one digest when two workers look at the same time', async () => {
    const one = await alerts(FAILURE_KINDS, workerConnection());
    const two = await alerts(FAILURE_KINDS, workerConnection());
    await park('ref-1');
    const outcomes = await Promise.all([one.tick(), two.tick(), one.tick(), two.tick()]);
    expect(outcomes.filter((o) => o === 'queued')).toHaveLength(1);
    await delivered(one);
    // Both workers' deliveries have run or been refused as duplicates by now: the job id is the digest's.
    await waitFor(
      'no delivery job left',
      async () => (await one.queue.getJobCountByTypes('wait', 'active', 'delayed')) === 0,
      20_000,
    );
    expect(receiver.posts).toHaveLength(1);
  });

  it('holds a second park inside the window and posts it in the next digest', async () => {
    const a = await alerts();
    await park('ref-1');
    await a.tick();
    await delivered(a);
    now = new Date(now.getTime() + 60_000);
    await park('ref-2');
    expect(await a.tick()).toBe('waiting');
    now = new Date(now.getTime() + WINDOW_MS);
    await park('ref-3');
    expect(await a.tick()).toBe('queued');
    await delivered(a);
    expect(receiver.posts).toHaveLength(2);
    expect(subjects(1)).toEqual(['ref-2', 'ref-3']);
  });

  it('posts nothing for a kind that is turned off', async () => {
    const a = await alerts(['credentials', 'state-loss', 'stuck', 'throttled']);
    await park('ref-1');
    expect(await a.tick()).toBe('nothing');
    expect(await a.queue.getJobCountByTypes('wait', 'active', 'delayed', 'completed', 'failed')).toBe(0);
    expect(receiver.posts).toHaveLength(0);
  });

  it('retries a receiver that fails, with the same idempotency key, until the digest is delivered', async () => {
    const a = await alerts();
    receiver.answers = [503, 500];
    await park('ref-1');
    await a.tick();
    await delivered(a);
    expect(receiver.posts).toHaveLength(1);
    expect(receiver.answers).toEqual([]); // both failures were answered before the post that landed
    const [job] = await a.queue.getJobs(['completed']);
    expect(job?.attemptsMade).toBe(3);
    expect(receiver.posts[0]?.headers['idempotency-key']).toMatch(/^referral-sync-failures-/);
  });

  it('queues a digest whose delivery gave up again on a later tick, so it is not lost', async () => {
    const a = await alerts();
    receiver.answers = [404]; // a 4xx is final for that job
    await park('ref-1');
    await a.tick();
    await waitFor('the delivery to fail', async () => (await a.queue.getJobCountByTypes('failed')) === 1, 20_000);
    expect(await a.store.pending()).toHaveLength(1);
    now = new Date(now.getTime() + WINDOW_MS);
    await a.tick();
    await delivered(a);
    expect(subjects(0)).toEqual(['ref-1']);
  });

  it('reports a queue whose oldest waiting job has waited too long, once', async () => {
    const q = new Queue('stuck-test', { connection: redis.redis, prefix: redis.prefix });
    try {
      await q.add('x', {}, { jobId: 'old-job' });
      await q.add('x', {}, { jobId: 'new-job' });
      const withQueue = await startFailureAlerts(
        {
          connection: workerConnection(),
          prefix: redis.prefix,
          parking: createRedisParkingLot(redis.redis, redis.prefix),
          epoch: createStateEpoch(redis.redis, redis.prefix),
          queueNames: [q.name],
          throttledQueueNames: [],
          clock,
          log: silentLog,
        },
        {
          post: createWebhookPoster({ url: receiver.url, format: 'json' }).postDigest,
          kinds: new Set(['stuck'] as const),
          windowMs: WINDOW_MS,
          stuckMs: 30 * 60_000,
          throttledJobs: 10,
          dashboardUrl: null,
          schedule: false,
        },
      );
      started.push(withQueue);
      now = new Date(Date.now() + 10 * 60_000);
      expect(await withQueue.tick()).toBe('nothing');
      now = new Date(Date.now() + 31 * 60_000);
      expect(await withQueue.tick()).toBe('queued');
      await delivered(withQueue);
      expect(JSON.stringify(receiver.posts[0]?.body)).toContain('oldest waiting job old-job');
      now = new Date(now.getTime() + 2 * WINDOW_MS);
      expect(await withQueue.tick()).toBe('nothing');
    } finally {
      await q.obliterate({ force: true });
      await q.close();
    }
  });

  it('reports a connection whose sign-in failed and paused its queues, without the secret', async () => {
    const a = await alerts(['credentials']);
    await createCredentialStore(redis.redis, redis.prefix).startPause({
      connection: 'salesforce',
      reason: 'salesforce: invalid_grant (Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc)',
      since: now.toISOString(),
      queues: ['sync'],
    });
    expect(await a.tick()).toBe('queued');
    await delivered(a);
    const body = JSON.stringify(receiver.posts[0]?.body);
    expect(body).toContain('queues sync paused: salesforce: invalid_grant');
    expect(body).not.toContain('eyJhbGciOiJIUzI1NiJ9');
  });

  it('reports a queue paused by a 429 with jobs waiting behind it, once per window', async () => {
    const q = new Queue('push-test', { connection: redis.redis, prefix: redis.prefix });
    try {
      for (const id of ['a', 'b', 'c']) await q.add('push', { referralId: id });
      // What a job does on a 429 (jobs/processor.ts): the whole queue waits out Retry-After.
      await q.rateLimit(3_600_000);
      const a = await alerts(['throttled'], workerConnection(), ['push-test']);
      expect(await a.tick()).toBe('queued');
      await delivered(a);
      expect(JSON.stringify(receiver.posts[0]?.body)).toMatch(
        /paused by a rate limit \(429\) for \d+ s more, 3 jobs waiting/,
      );
      now = new Date(now.getTime() + 60_000);
      expect(await a.tick()).toBe('nothing');
    } finally {
      await q.obliterate({ force: true });
      await q.close();
    }
  });
});
