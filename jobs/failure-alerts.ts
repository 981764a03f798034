import { Queue, Worker, type Job } from 'bullmq';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { RedisConnection } from '../connectors/redis/connection.ts';
import { createFailureAlertStore } from '../connectors/redis/failure-alert-store.ts';
import type { DigestLinks } from '../connectors/webhook/digest-payload.ts';
import { coveredBy, eventId, nextDigest, type FailureDigest, type FailureKind } from '../src/alerts/failure-digest.ts';
import { ValidationError } from '../src/errors.ts';
import type { Clock } from '../src/ports/clock.ts';
import { toBullMqError } from './processor.ts';
import { collectFailures, type FailureSourceDeps } from './failure-sources.ts';
import { requeueFinished } from './job-guard.ts';
import { BACKOFF_TYPE, jobIdPart, QUEUE, WORKER_SETTINGS } from './queues.ts';
import { ALL_OUTBOUND_QUEUES } from './outbound-queues.ts';
import { EXPIRY_QUEUE } from './expiry-queues.ts';

/*
 * Failure alerts (issue 18): a repeatable tick (one scheduler id, so however many workers run,
 * one tick fires per interval) collects open incidents, asks the pure core what the next digest
 * holds, claims it in Redis under its idempotency key, and queues one delivery job per digest.
 * The delivery job posts to ALERT_WEBHOOK_URL and retries with backoff; a digest whose delivery
 * gave up stays pending and is queued again by a later tick, so it is never lost.
 */

export const FAILURE_ALERT_QUEUE = 'failure-alerts';
export const FAILURE_ALERT_SCHEDULER_ID = 'failure-alerts-tick';
/** How often incidents are looked for; the window (not this) limits how often a kind is posted. */
export const FAILURE_ALERT_TICK_MS = 60_000;
/** Items listed per kind in one digest; the rest are counted (the dashboard lists them all). */
const MAX_ITEMS_PER_KIND = 20;
/** Longer than one tick can take; the lock is released at the end of the tick anyway. */
const TICK_LOCK_MS = 60_000;
const DELIVERY_ATTEMPTS = 8;

export interface FailureAlertOptions {
  /** Posts one digest (the alert webhook poster's postDigest). Throws RetryableError or FatalError. */
  post(digest: FailureDigest, links: DigestLinks): Promise<void>;
  kinds: ReadonlySet<FailureKind>;
  windowMs: number;
  stuckMs: number;
  throttledJobs: number;
  /** DASHBOARD_PUBLIC_URL, for links in the digest. */
  dashboardUrl: string | null;
  /** Register the repeatable tick (false in tests, which call tick()). */
  schedule: boolean;
  tickMs?: number | undefined;
}

export interface FailureAlertDeps extends Omit<FailureSourceDeps, 'redis' | 'queues' | 'throttledQueues'> {
  connection: RedisConnection;
  clock: Clock;
  log: Logger;
  /** Queues watched for a stuck oldest job. */
  queueNames: readonly string[];
  /** Queues whose jobs wait out 429s (the referral processors', jobs/processor.ts). */
  throttledQueueNames: readonly string[];
}

/** Every queue of a worker process, and those whose jobs wait out 429s without spending attempts. */
export const WATCHED_QUEUES = {
  all: [...Object.values(QUEUE), ...ALL_OUTBOUND_QUEUES, ...Object.values(EXPIRY_QUEUE)],
  throttled: [QUEUE.sync, ...ALL_OUTBOUND_QUEUES.filter((q) => q.startsWith('push-'))],
};

const DeliverJob = z.object({ digestId: z.string().min(1) });
export type TickOutcome = 'busy' | 'nothing' | 'waiting' | 'queued' | 'already-claimed';

export async function startFailureAlerts(d: FailureAlertDeps, o: FailureAlertOptions) {
  const store = createFailureAlertStore(d.connection, d.prefix);
  const queue = new Queue(FAILURE_ALERT_QUEUE, { connection: d.connection, prefix: d.prefix });
  const log = d.log.child({ queue: FAILURE_ALERT_QUEUE });
  const watched = new Map<string, Queue>();
  const queueOf = (name: string) => {
    let q = watched.get(name);
    if (!q) watched.set(name, (q = new Queue(name, { connection: d.connection, prefix: d.prefix })));
    return q;
  };
  const sources: FailureSourceDeps = {
    redis: d.connection,
    prefix: d.prefix,
    parking: d.parking,
    epoch: d.epoch,
    queues: d.queueNames.map(queueOf),
    throttledQueues: d.throttledQueueNames.map(queueOf),
  };
  const links: DigestLinks = { dashboardUrl: o.dashboardUrl?.replace(/\/+$/, '') ?? null };
  const deliverOptions = (digestId: string) => ({
    jobId: `digest-${jobIdPart(digestId)}`,
    attempts: DELIVERY_ATTEMPTS,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: { age: 7 * 24 * 3600 },
    removeOnFail: { age: 30 * 24 * 3600 },
  });

  /**
   * Queues the delivery of every digest still pending whose job is gone or gave up, at most once
   * per window (a receiver answering 4xx is not hammered every tick).
   */
  async function requeueUndelivered(now: Date): Promise<void> {
    for (const { id, queuedAt } of await store.pending()) {
      if (now.getTime() - queuedAt < o.windowMs) continue;
      const opts = deliverOptions(id);
      const job = await queue.getJob(opts.jobId);
      const state = job ? await job.getState() : 'unknown';
      if (state !== 'failed' && state !== 'unknown') continue;
      await requeueFinished(queue, 'deliver', { digestId: id }, opts);
      await store.requeued(id, now);
      log.warn({ digestId: id }, 'failure digest not delivered yet; queued again');
    }
  }

  /** One look for incidents (the scheduled job's body; tests call it directly). */
  async function tick(): Promise<TickOutcome> {
    const outcome = await store.withLock(TICK_LOCK_MS, async (): Promise<TickOutcome> => {
      const now = d.clock.now();
      await requeueUndelivered(now);
      const events = await collectFailures(
        sources,
        o.kinds,
        { stuckMs: o.stuckMs, throttledJobs: o.throttledJobs, windowMs: o.windowMs },
        now,
        (kind, err) => log.warn({ err, kind }, 'failure alerts: could not read a source; tried again next tick'),
      );
      const memory = await store.memory(events.map(eventId), now);
      const decision = nextDigest(
        events,
        memory,
        { kinds: o.kinds, windowMs: o.windowMs, maxItemsPerKind: MAX_ITEMS_PER_KIND },
        now,
      );
      if (decision.kind === 'nothing') return 'nothing';
      if (decision.kind === 'wait') return 'waiting';
      const digest = decision.digest;
      if (!(await store.claim(digest, coveredBy(digest, events), now))) return 'already-claimed';
      await queue.add('deliver', { digestId: digest.id }, deliverOptions(digest.id));
      log.info(
        { digestId: digest.id, kinds: digest.sections.map((s) => `${s.kind}:${s.count}`) },
        'failure digest queued for the alert webhook',
      );
      return 'queued';
    });
    return outcome ?? 'busy';
  }

  async function deliver(job: Job): Promise<string> {
    const parsed = DeliverJob.safeParse(job.data);
    if (!parsed.success) throw new ValidationError(`failure digest job ${String(job.id)} has a malformed payload`);
    const digest = await store.digest(parsed.data.digestId);
    if (!digest) return 'gone';
    await o.post(digest, links);
    await store.delivered(digest.id);
    log.info({ digestId: digest.id, attempt: job.attemptsMade + 1 }, 'failure digest posted');
    return 'posted';
  }

  const worker = new Worker(
    FAILURE_ALERT_QUEUE,
    async (job: Job) => {
      try {
        return job.name === 'deliver' ? await deliver(job) : await tick();
      } catch (err) {
        log.warn({ err, jobId: job.id, attempt: job.attemptsMade + 1 }, 'failure alert job attempt failed');
        throw toBullMqError(err);
      }
    },
    { connection: d.connection, prefix: d.prefix, concurrency: 2, settings: WORKER_SETTINGS },
  );
  worker.on('error', (err) => log.error({ err }, 'failure alert worker error'));

  /** Registers the repeatable tick (fixed id: idempotent); again after Redis lost its data. */
  const schedule = async () => {
    if (!o.schedule) return;
    await queue.upsertJobScheduler(
      FAILURE_ALERT_SCHEDULER_ID,
      { every: o.tickMs ?? Math.min(FAILURE_ALERT_TICK_MS, o.windowMs) },
      { name: 'tick', opts: { attempts: 1, removeOnComplete: 100, removeOnFail: 100 } },
    );
  };
  await schedule();

  return {
    kinds: o.kinds,
    queue,
    worker,
    store,
    tick,
    schedule,
    /** A tick now, once per `reason` (e.g. one per Redis data loss, however many workers noticed it). */
    async checkNow(reason: string): Promise<void> {
      await queue.add('tick', {}, { jobId: `tick-${jobIdPart(reason)}`, removeOnComplete: 100, removeOnFail: 100 });
    },
    async close(force = false) {
      await worker.close(force);
      await Promise.all([queue.close(), ...[...watched.values()].map((q) => q.close())]);
    },
  };
}
export type FailureAlerts = Awaited<ReturnType<typeof startFailureAlerts>>;
