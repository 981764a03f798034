import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { readSeries } from '../connectors/redis/queue-series.ts';
import { deleteKeys, REDIS_URL } from '../test/integration/harness.ts';
import { metricsToBuckets } from './http/queue-health.ts';
import { METRICS_MAX_DATA_POINTS, oldestWaitingMs, startQueueSeries } from './queue-series.ts';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

function setup() {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `it-series-${Math.random().toString(36).slice(2, 10)}`;
  const sync = new Queue('sync', { connection: redis, prefix });
  const push = new Queue('push-salesforce', { connection: redis, prefix });
  closers.push(async () => {
    await Promise.all([sync.close(), push.close()]);
    await deleteKeys(redis, prefix);
    await redis.quit();
  });
  return { redis, prefix, sync, push };
}

const MIN = 60_000;

describe('queue health series (issue 18)', () => {
  it('records completed jobs (BullMQ metrics), failed attempts, depth and the oldest waiting job', async () => {
    const s = setup();
    let failOnce = true;
    const worker = new Worker(
      'sync',
      async (job) => {
        if (job.name === 'flaky' && failOnce) {
          failOnce = false;
          throw new Error('503 from the CRM');
        }
        return 'ok';
      },
      { connection: s.redis, prefix: s.prefix, metrics: { maxDataPoints: METRICS_MAX_DATA_POINTS } },
    );
    closers.push(() => worker.close());
    const now = Date.now();
    // Nobody works the push queue: its jobs wait. The oldest is the prioritized one.
    await s.push.add('push', {}, { timestamp: now - 5 * MIN });
    await s.push.add('push', {}, { timestamp: now - 1 * MIN });
    await s.push.add('push', {}, { timestamp: now - 20 * MIN, priority: 3 });
    const series = startQueueSeries({
      redis: s.redis,
      prefix: s.prefix,
      queues: [
        { group: 'sync', queue: s.sync },
        { group: 'push', queue: s.push },
      ],
      workers: [{ group: 'sync', worker }],
      clock: { now: () => new Date(now) },
      log: pino({ level: 'silent' }),
      intervalMs: 3_600_000,
    });
    closers.push(async () => series.stop());

    await s.sync.addBulk([
      { name: 'sync', data: {} },
      { name: 'sync', data: {} },
      { name: 'flaky', data: {}, opts: { attempts: 2, backoff: { type: 'fixed', delay: 10 } } },
    ]);
    await expect.poll(() => s.sync.getJobCounts('completed').then((c) => c.completed), { timeout: 20_000 }).toBe(3);
    await series.sample();

    const buckets = await readSeries(s.redis, s.prefix, now, 24 * 3_600_000);
    const last = buckets.at(-1)?.fields ?? {};
    expect(last['errors:sync']).toBe(1);
    expect(last['depth:push']).toBe(3);
    expect(last['depth:sync']).toBe(0);
    expect(last['oldest:push']).toBe(20 * MIN);

    const completed = await s.sync.getMetrics('completed', 0, METRICS_MAX_DATA_POINTS);
    const synced = metricsToBuckets(
      completed,
      buckets.map((b) => b.start),
    );
    expect(synced.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('finds the oldest plain waiting job at the tail of the wait list', async () => {
    const s = setup();
    const now = Date.now();
    for (const minutes of [9, 7, 2]) await s.sync.add('sync', {}, { timestamp: now - minutes * MIN });
    expect(await oldestWaitingMs(s.sync, now)).toBe(9 * MIN);
    expect(await oldestWaitingMs(s.push, now)).toBe(0);
  });
});
