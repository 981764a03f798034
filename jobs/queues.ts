import { z } from 'zod';
import type { JobsOptions, Queue } from 'bullmq';
import { COMPLETED_JOB_RETENTION_MS } from '../src/config/env.ts';

export const QUEUE = {
  pull: 'pull',
  sync: 'sync',
} as const;

/** Stable scheduler id: re-registering on every start updates one scheduler, never adds one. */
export const PULL_SCHEDULER_ID = 'pull-referrals';

export const SyncJobData = z.object({
  referralId: z.string().min(1),
  eTag: z.string().min(1),
  /**
   * Read the referral from Partner Center instead of the stored copy: a webhook said it changed
   * (jobs/webhook-intake), so what the last pull stored may be older than the change.
   */
  fetch: z.boolean().optional(),
  /** Queued by the full pull after Redis lost its data (SyncOptions.adopt). */
  adopt: z.boolean().optional(),
  /** The state epoch the pull ran under (SyncOptions.epoch). */
  epoch: z.string().optional(),
});
export type SyncJobData = z.infer<typeof SyncJobData>;

/**
 * Deterministic job id: one job per referral version. BullMQ rejects ':' in custom ids and the
 * eTag is a quoted GUID-ish string, so everything but [A-Za-z0-9_-] becomes '_'.
 */
export function syncJobId(referralId: string, eTag: string): string {
  return `${jobIdPart(referralId)}-${jobIdPart(eTag)}`;
}

/** A value made safe inside a custom job id: BullMQ rejects ':'; anything but [A-Za-z0-9_-] becomes '_'. */
export const jobIdPart = (s: string): string => s.replace(/[^A-Za-z0-9_-]/g, '_');

export const BACKOFF_TYPE = 'retry-after';

/**
 * A job whose worker died while running it (kill -9, OOM) is moved back to wait by BullMQ's stalled
 * check; after `maxStalledCount` such stalls BullMQ fails it. The job guard (job-guard.ts) then
 * queues it again, up to this many times, before parking it as a crash loop: with BullMQ's default
 * of 1, a job survives ten worker deaths. Repeated SIGKILLs of several workers in the fault tests
 * stall a job at most a few times.
 */
export const MAX_STALL_REQUEUES = 4;

/** How often each worker process sweeps the failed sets for jobs nobody handled (job-guard.ts). */
export const FAILED_SWEEP_INTERVAL_MS = 60_000;

export function syncJobOptions(attempts: number): JobsOptions {
  return {
    attempts,
    backoff: { type: BACKOFF_TYPE },
    // Completed jobs are kept a while so the same version is recognised as done (deterministic ids),
    // then trimmed; the sync state in Redis remembers versions for good.
    removeOnComplete: { age: COMPLETED_JOB_RETENTION_MS / 1000, count: 50_000 },
    removeOnFail: { age: 30 * 24 * 3600 },
  };
}

/**
 * BullMQ's limiter for a queue whose jobs each make at most one Partner Center write (issue 19):
 * `maxRps` job starts per second across every worker. It is set even when unpaced (0), because
 * BullMQ only honours a queue-wide pause (queue.rateLimit, what a 429 does) on a worker that has a
 * limiter (moveToActive compares the limiter key with `max`).
 */
export function partnerCenterLimiter(maxRps: number): { max: number; duration: number } {
  return { max: maxRps > 0 ? maxRps : UNPACED, duration: 1000 };
}
/** A limit no queue reaches (below the Number.MAX_SAFE_INTEGER a rate-limit pause stores). */
const UNPACED = 1_000_000_000;

/** Worker settings every queue shares: BullMQ calls this backoff for `{ type: BACKOFF_TYPE }`. */
export const WORKER_SETTINGS = {
  backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => retryDelayMs(attemptsMade, err),
};

/**
 * BullMQ's custom backoff: honours the error's retryAfterMs (Retry-After) in full, otherwise
 * exponential from 1 s, capped at 5 min, with full jitter so many jobs don't retry in step.
 */
export function retryDelayMs(attemptsMade: number, err: unknown, random: () => number = Math.random): number {
  const hinted = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  if (typeof hinted === 'number' && Number.isFinite(hinted) && hinted >= 0) return Math.ceil(hinted);
  const cap = Math.min(300_000, 1000 * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/**
 * Registers (or updates) a repeatable job under a fixed scheduler id. Idempotent, so every start
 * and every rebuild after a Redis data loss calls it again; three attempts with our backoff, and
 * the last 100 finished runs kept for the queue board.
 */
export function scheduleEvery(queue: Queue, schedulerId: string, everyMs: number, name: string): Promise<unknown> {
  return queue.upsertJobScheduler(
    schedulerId,
    { every: everyMs },
    { name, opts: { attempts: 3, backoff: { type: BACKOFF_TYPE }, removeOnComplete: 100, removeOnFail: 100 } },
  );
}
