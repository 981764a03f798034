import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { FatalError, RateLimitedError, RetryableError, ValidationError } from '../src/errors.ts';
import { scrubText } from '../src/log/logger.ts';
import type { ReferralLock } from '../connectors/redis/referral-lock.ts';
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

/**
 * What a processor throws to BullMQ. FatalError becomes UnrecoverableError (no more attempts);
 * retryable errors keep retryAfterMs for the backoff strategy. Messages are scrubbed because
 * BullMQ stores `err.message` in Redis and the dashboard shows it. Unknown errors retry.
 */
export function toBullMqError(err: unknown): Error {
  if (err instanceof FatalError) {
    const e = new UnrecoverableError(`${err.name}: ${scrubText(err.message)}`);
    return e;
  }
  if (err instanceof RetryableError) {
    const e = new Error(`${err.name}: ${scrubText(err.message)}`) as Error & { retryAfterMs?: number };
    if (err.retryAfterMs !== undefined) e.retryAfterMs = err.retryAfterMs;
    return e;
  }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new Error(scrubText(message));
}
