import type { Job, JobsOptions, Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Clock } from '../src/ports/clock.ts';
import type { ParkingLot } from '../src/ports/state.ts';
import { MAX_STALL_REQUEUES } from './queues.ts';

/**
 * BullMQ fails a job that was active in a dead worker more than `maxStalledCount` times with this
 * reason, as an UnrecoverableError, when the next worker picks it up (moveStalledJobsToWait sets a
 * deferred failure; Worker.getUnrecoverableErrorMessage raises it).
 */
export const STALLED_REASON = 'job stalled more than allowable limit';

/** toBullMqError may prefix messages with an error name; BullMQ's own reason comes bare. */
const isStalled = (reason: string | undefined) => reason !== undefined && reason.endsWith(STALLED_REASON);

export type GuardOutcome = 'requeued' | 'parked' | 'already-parked' | 'ignored';

export interface JobGuardOptions {
  queue: Queue;
  /** Parking stage for jobs that gave up ('crm', 'push', 'alert'). */
  stage: string;
  parking: ParkingLot;
  clock: Clock;
  log: Logger;
  maxRequeues?: number;
  /**
   * False: only stalled jobs are queued again; a spent job is left to its owner (the expiry scan
   * re-queues a failed alert job itself, and parking would hold up the referral's sync repairs).
   */
  park?: boolean;
}

/** How far back an incremental sweep looks, so a failure handled by a worker that died meanwhile is seen. */
const SWEEP_OVERLAP_MS = 10 * 60_000;
const SWEEP_PAGE = 500;

/**
 * Issue 12: no job may end only in BullMQ's failed set. A job failed for stalling (its workers died
 * while it ran) is queued again under the same id, up to MAX_STALL_REQUEUES times, then parked as
 * a crash loop; a job that used up its attempts is parked with its last error. The `failed` event
 * handles this at once; `sweep()` finds what a worker killed between failing a job and handling
 * it left behind (run at start and on an interval by every worker process).
 *
 * Why not `job.retry()`: BullMQ keeps the deferred stall failure and stall counter on the job
 * hash, so a retried job fails again the moment it is picked up. A fresh job with the same id
 * keeps deduplication (a pull listing the same version again adds nothing).
 */
export function createJobGuard(o: JobGuardOptions) {
  const maxRequeues = o.maxRequeues ?? MAX_STALL_REQUEUES;
  let sweptUpTo = 0;

  /**
   * `reason`: the error the `failed` event carries; BullMQ sets `job.failedReason` on the copy in
   * Redis, not always on the Job object the event hands over (a deferred stall failure leaves it
   * undefined there).
   */
  async function handle(job: Job, reason = job.failedReason): Promise<GuardOutcome> {
    const data = job.data as Record<string, unknown>;
    if (data.guarded === true) return 'ignored';
    const referralId = typeof data.referralId === 'string' ? data.referralId : null;
    const log = o.log.child({ queue: job.queueName, jobId: job.id, referralId });
    const requeues = typeof data.requeues === 'number' ? data.requeues : 0;
    if (isStalled(reason) && requeues < maxRequeues && job.id !== undefined) {
      await job.remove();
      // A fresh job: BullMQ's bookkeeping from the old one (timestamps, delay) is not carried over.
      const { timestamp: _t, prevMillis: _p, delay: _d, ...opts } = job.opts;
      await o.queue.add(job.name, { ...data, requeues: requeues + 1 }, { ...opts, jobId: job.id });
      log.warn({ requeues: requeues + 1 }, 'job stalled (its worker died); queued again');
      return 'requeued';
    }
    if (o.park === false) return 'ignored';
    if (referralId === null) {
      log.error({ reason }, 'job failed and names no referral; left in the failed set');
      await job.updateData({ ...data, guarded: true });
      return 'ignored';
    }
    // A FatalError was parked by the use case with its own reason; keep that one.
    if (await o.parking.has(referralId)) {
      await job.updateData({ ...data, guarded: true });
      return 'already-parked';
    }
    const why = isStalled(reason)
      ? `the worker running it died ${requeues + 2} times or more (crash loop?); parked`
      : `gave up after ${job.attemptsMade} attempts: ${reason ?? 'no reason recorded'}`;
    await o.parking.park({
      referralId,
      reason: why,
      stage: o.stage,
      at: o.clock.now().toISOString(),
      attempts: job.attemptsMade,
    });
    await job.updateData({ ...data, guarded: true });
    log.error({ reason: why }, 'job failed for good; referral parked');
    return 'parked';
  }

  const isFinal = (job: Job, err: Error) =>
    err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);

  /** Handles failed jobs not handled yet, newest first; the first sweep reads the whole set. */
  async function sweep(): Promise<Record<GuardOutcome, number>> {
    const counts: Record<GuardOutcome, number> = { requeued: 0, parked: 0, 'already-parked': 0, ignored: 0 };
    const startedAt = Date.now();
    const floor = sweptUpTo === 0 ? 0 : sweptUpTo - SWEEP_OVERLAP_MS;
    for (let start = 0; ; start += SWEEP_PAGE) {
      const jobs = (await o.queue.getFailed(start, start + SWEEP_PAGE - 1)).filter(
        (j): j is Job => j !== undefined && j !== null,
      );
      for (const job of jobs) {
        if ((job.data as { guarded?: unknown }).guarded === true) continue;
        // Another worker may handle the same job at the same moment: its remove/add wins, ours fails.
        const outcome = await handle(job).catch((err: unknown) => {
          o.log.debug({ err, jobId: job.id }, 'failed job handled elsewhere meanwhile');
          return 'ignored' as const;
        });
        counts[outcome] += 1;
      }
      const oldest = jobs.at(-1)?.finishedOn ?? 0;
      if (jobs.length < SWEEP_PAGE || oldest < floor) break;
    }
    sweptUpTo = startedAt;
    if (counts.requeued + counts.parked > 0)
      o.log.warn({ queue: o.queue.name, ...counts }, 'failed-job sweep repaired jobs');
    return counts;
  }

  return {
    handle,
    sweep,
    /** Handles each final failure as it happens. */
    attach(worker: Worker): void {
      worker.on('failed', (job: Job | undefined, err: Error) => {
        if (!job || !isFinal(job, err)) return;
        handle(job, err.message).catch((e: unknown) =>
          o.log.error({ err: e, jobId: job.id }, 'could not handle a failed job; the sweep retries'),
        );
      });
    },
  };
}
export type JobGuard = ReturnType<typeof createJobGuard>;

/**
 * Adds a job unless one with its id is still to run; a finished one (completed or failed) is
 * replaced. For work that must run again although its version already has a job: a referral
 * whose write-back is missing after its job finished (needs-sync.ts).
 */
export async function requeueFinished(
  queue: Queue,
  name: string,
  data: object,
  opts: JobsOptions & { jobId: string },
): Promise<boolean> {
  const existing = await queue.getJob(opts.jobId);
  if (existing) {
    const state = await existing.getState();
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
    // Locked by a worker finishing it right now: that worker's result stands.
    await existing.remove().catch(() => undefined);
  }
  await queue.add(name, data, opts);
  return true;
}
