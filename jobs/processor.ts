import { DelayedError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { ValidationError } from '../src/errors.ts';
import type { ReferralLock } from '../connectors/redis/referral-lock.ts';
import { deferIfThrottled, toBullMqError } from './bullmq-errors.ts';

/** How long a job waits when another job holds the same referral (does not use an attempt). */
const BUSY_DELAY_MS = 1_000;

export interface LockedJob<S extends z.ZodType<{ referralId: string }>, T> {
  /** The payload's schema; a payload that fails it fails the job at once (ValidationError). */
  schema: S;
  /** Describes a bad payload, e.g. "payload needs referralId and eTag". */
  expects: string;
  lock: ReferralLock;
  /** Scoped by the helper with the queue, job id and referral id. */
  log: Logger;
  run(data: z.infer<S>, log: Logger): Promise<T>;
}

/**
 * The one shape of our referral processors (issue 13): parse the payload, take the referral's
 * lease, run the use case, translate errors for BullMQ. A 429 waits without spending an attempt
 * (deferIfThrottled); a referral another job holds comes back after BUSY_DELAY_MS, also without
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
    if (await deferIfThrottled(job, token, err)) {
      log.info(
        { retryAfterMs: (err as { retryAfterMs?: number }).retryAfterMs },
        'rate limited; waiting without spending an attempt',
      );
      throw new DelayedError();
    }
    log.warn({ err, attempt: job.attemptsMade + 1 }, `${job.queueName} attempt failed`);
    throw toBullMqError(err);
  }
  if (outcome.ran) return outcome.value;
  await job.moveToDelayed(Date.now() + BUSY_DELAY_MS, token);
  throw new DelayedError();
}
