import { DelayedError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { syncReferral, type SyncDeps, type SyncOutcome } from '../src/sync/sync-referral.ts';
import { ValidationError } from '../src/errors.ts';
import type { ReferralLock } from '../connectors/redis/referral-lock.ts';
import { deferIfThrottled, toBullMqError } from './bullmq-errors.ts';
import { SyncJobData } from './queues.ts';

/** How long a job waits when another job holds the same referral (does not use an attempt). */
const BUSY_DELAY_MS = 1_000;

/** Parses the payload, scopes the logger, runs the use case, translates errors for BullMQ. */
export const syncReferralProcessor =
  (deps: Omit<SyncDeps, 'log'> & { log: Logger; lock: ReferralLock }) =>
  async (job: Job, token?: string): Promise<SyncOutcome> => {
    const log = deps.log.child({ queue: job.queueName, jobId: job.id });
    const parsed = SyncJobData.safeParse(job.data);
    if (!parsed.success) throw toBullMqError(new ValidationError(`job ${job.id}: payload needs referralId and eTag`));
    const { referralId, eTag, fetch, adopt, epoch } = parsed.data;
    let outcome;
    try {
      outcome = await deps.lock.tryWith(referralId, () => syncReferral({ ...deps, log: log.child({ referralId }) }, referralId, eTag, { fetch: fetch === true, adopt: adopt === true, epoch }));
    } catch (err) {
      if (await deferIfThrottled(job, token, err)) {
        log.info({ referralId, retryAfterMs: (err as { retryAfterMs?: number }).retryAfterMs }, 'rate limited; waiting without spending an attempt');
        throw new DelayedError();
      }
      log.warn({ err, referralId, attempt: job.attemptsMade + 1 }, 'sync attempt failed');
      throw toBullMqError(err);
    }
    if (outcome.ran) return outcome.value;
    // Another job is syncing this referral: come back shortly without spending an attempt.
    await job.moveToDelayed(Date.now() + BUSY_DELAY_MS, token);
    throw new DelayedError();
  };
