import { DelayedError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { RateLimitedError, ValidationError } from '../src/errors.ts';
import type { ReferralLock } from '../connectors/redis/referral-lock.ts';
import { toBullMqError } from './bullmq-errors.ts';
import { retryDelayMs } from './queues.ts';

/** How long a job waits when another job holds the same referral (does not use an attempt). */
const BUSY_DELAY_MS = 1_000;

export interface LockedJob<S extends z.ZodType<{ referralId: string }>, T> {
  /** The payload's schema; a payload that fails it fails the job at once (ValidationError). */
  schema: S;
  /** Describes a bad payload, e.g. "payload needs referralId and eTag". */
  expects: string;
  lock: ReferralLock;
  /**
   * Pauses the job's whole queue, every worker of it, for this long (BullMQ's queue rate limit,
   * issue 19): what a 429 does.
   */
  rateLimit: (ms: number) => Promise<void>;
  /** Scoped by the helper with the queue, job id and referral id. */
  log: Logger;
  run(data: z.infer<S>, log: Logger): Promise<T>;
}

/**
 * The one shape of our referral processors (issue 13): parse the payload, take the referral's
 * lease, run the use case, translate errors for BullMQ. A 429 pauses the whole queue for its
 * Retry-After and puts the job back in wait without spending an attempt (issue 19); a referral another job holds comes back after BUSY_DELAY_MS, also without
 * spending one; a FatalError ends the job (UnrecoverableError); anything else retries.
 */
export async function runLockedJob<S extends z.ZodType<{ referralId: string }>, T>(
  job: Job,
  token: string | undefined,
  p: LockedJob<S, T>,
): Promise<T> {
  const parsed = p.schema.safeParse(job.data);
  if (!parsed.success) throw toBullMqError(new ValidationError(`${job.queueName} job ${String(job.id)}: ${p.expects}`));
  const data = parsed.data;
  const log = p.log.child({ queue: job.queueName, jobId: job.id, referralId: data.referralId });
  let outcome;
  try {
    outcome = await p.lock.tryWith(data.referralId, () => p.run(data, log));
  } catch (err) {
    if (err instanceof RateLimitedError) {
      // The remote paces the queue, not this job: one pause for every worker, then BullMQ's
      // limiter meters the restart. RateLimitError moves the job back to wait as it is
      // (moveJobFromActiveToWait: attemptsMade untouched), so a long storm parks nothing.
      const waitMs = retryDelayMs(1, err);
      await p.rateLimit(waitMs);
      log.info({ retryAfterMs: waitMs }, 'rate limited; the queue waits without spending an attempt');
      throw Worker.RateLimitError();
    }
    log.warn({ err, attempt: job.attemptsMade + 1 }, `${job.queueName} attempt failed`);
    throw toBullMqError(err);
  }
  if (outcome.ran) return outcome.value;
  await job.moveToDelayed(Date.now() + BUSY_DELAY_MS, token);
  throw new DelayedError();
}
