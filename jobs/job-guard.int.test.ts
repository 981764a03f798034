import { randomBytes } from 'node:crypto';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisParkingLot } from '../connectors/redis/parking-lot.ts';
import { systemClock } from '../src/ports/clock.ts';
import { deleteKeys, REDIS_URL } from '../test/integration/harness.ts';
import { waitFor } from '../test/faults/fault-kit.ts';
import { createJobGuard, requeueFinished, STALLED_REASON } from './job-guard.ts';

/* The job guard on real BullMQ and Redis (issue 12): no job ends only in the failed set. */
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

async function setup() {
  const prefix = `guard-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('sync', { connection: redis, prefix });
  const parking = createRedisParkingLot(redis, prefix);
  const log = pino({ level: 'silent' });
  const guard = createJobGuard({ queue, stage: 'crm', parking, clock: systemClock, log, maxRequeues: 2 });
  const workers: Worker[] = [];
  cleanup.push(async () => {
    for (const w of workers) await w.close(true);
    await queue.close();
    await deleteKeys(redis, prefix);
    await redis.quit();
  });
  /** Takes the next job by hand (BullMQ's manual processing) and fails it with `err`. */
  const failNext = async (err: Error) => {
    const w = new Worker('sync', null, { connection: redis, prefix, autorun: false });
    workers.push(w);
    const job = (await w.getNextJob('t')) as Job;
    await job.moveToFailed(err, 't');
    return job;
  };
  return { prefix, redis, queue, parking, guard, workers, failNext };
}

describe('job guard', () => {
  it('a job BullMQ fails for stalling runs again under its id, and completes (#12)', async () => {
    const s = await setup();
    await s.queue.add('sync', { referralId: 'r1', eTag: 'e1' }, { jobId: 'r1-e1', attempts: 3 });
    // A worker takes the job and dies: forced close stops its lock renewal and leaves it active.
    // Every worker's stalled check takes a queue-wide lock for its own stalledInterval: keep them short.
    const dying = new Worker('sync', () => new Promise(() => undefined), {
      connection: s.redis,
      prefix: s.prefix,
      lockDuration: 1_000,
      stalledInterval: 500,
    });
    s.workers.push(dying);
    await waitFor('the job to be taken', async () => (await s.queue.getJobState('r1-e1')) === 'active', 20_000);
    void dying.close(true);
    // The next worker's stall check fails it at once (maxStalledCount 0); the guard queues it again.
    const done: string[] = [];
    const next = new Worker('sync', async (job) => void done.push(String(job.id)), {
      connection: s.redis,
      prefix: s.prefix,
      maxStalledCount: 0,
      stalledInterval: 500,
      lockDuration: 5_000,
    });
    s.workers.push(next);
    s.guard.attach(next);
    await waitFor('the job to complete', () => done.length > 0, 30_000);
    expect(done).toEqual(['r1-e1']);
    const job = await s.queue.getJob('r1-e1');
    expect(await job?.getState()).toBe('completed');
    expect(job?.data).toMatchObject({ referralId: 'r1', requeues: 1 });
    expect(await s.parking.list()).toEqual([]);
  });

  it('parks a job that keeps stalling (a crash loop) once its re-queues are spent', async () => {
    const s = await setup();
    await s.queue.add('sync', { referralId: 'r2', eTag: 'e1' }, { jobId: 'r2-e1', attempts: 3 });
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      await s.failNext(new UnrecoverableError(STALLED_REASON));
      outcomes.push(...Object.entries(await s.guard.sweep()).flatMap(([k, n]) => (n > 0 ? [k] : [])));
    }
    expect(outcomes).toEqual(['requeued', 'requeued', 'parked']);
    const [parked] = await s.parking.list();
    expect(parked).toMatchObject({ referralId: 'r2', stage: 'crm' });
    expect(parked?.reason).toMatch(/died .* times/);
    // Handled once: a later sweep leaves it alone.
    expect(await s.guard.sweep()).toEqual({ requeued: 0, parked: 0, 'already-parked': 0, ignored: 0 });
  });

  it('parks a job whose attempts ran out with its last error, and keeps a reason the use case parked with', async () => {
    const s = await setup();
    await s.queue.add('sync', { referralId: 'r3', eTag: 'e1' }, { jobId: 'r3-e1', attempts: 1 });
    await s.queue.add('sync', { referralId: 'r4', eTag: 'e1' }, { jobId: 'r4-e1', attempts: 1 });
    await s.failNext(new Error('RetryableError: Salesforce answered 503'));
    await s.parking.park({
      referralId: 'r4',
      reason: 'salesforce.fields.CloseDate: not a date',
      stage: 'map',
      at: new Date().toISOString(),
    });
    await s.failNext(new UnrecoverableError('MappingError: salesforce.fields.CloseDate: not a date'));
    expect(await s.guard.sweep()).toMatchObject({ parked: 1, 'already-parked': 1 });
    const parked = Object.fromEntries((await s.parking.list()).map((p) => [p.referralId, p.reason]));
    expect(parked).toEqual({
      r3: 'gave up after 1 attempts: RetryableError: Salesforce answered 503',
      r4: 'salesforce.fields.CloseDate: not a date',
    });
  });

  it('requeueFinished replaces a finished job of the same id and leaves a waiting one alone', async () => {
    const s = await setup();
    await s.queue.add('sync', { referralId: 'r5', eTag: 'e1' }, { jobId: 'r5-e1', attempts: 1 });
    expect(await requeueFinished(s.queue, 'sync', { referralId: 'r5', eTag: 'e1' }, { jobId: 'r5-e1' })).toBe(false);
    await s.failNext(new Error('boom'));
    expect(await requeueFinished(s.queue, 'sync', { referralId: 'r5', eTag: 'e1' }, { jobId: 'r5-e1' })).toBe(true);
    expect(await s.queue.getJobState('r5-e1')).toBe('waiting');
  });
});
