import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { syncReferral, type SyncDeps, type SyncOutcome } from '../src/sync/sync-referral.ts';
import { ValidationError } from '../src/errors.ts';
import { toBullMqError } from './bullmq-errors.ts';
import { SyncJobData } from './queues.ts';

/** Parses the payload, scopes the logger, runs the use case, translates errors for BullMQ. */
export const syncReferralProcessor =
  (deps: Omit<SyncDeps, 'log'> & { log: Logger }) =>
  async (job: Job): Promise<SyncOutcome> => {
    const log = deps.log.child({ queue: job.queueName, jobId: job.id, crm: deps.crm });
    try {
      const parsed = SyncJobData.safeParse(job.data);
      if (!parsed.success) throw new ValidationError(`job ${job.id}: payload needs referralId and eTag`);
      const { referralId, eTag } = parsed.data;
      return await syncReferral({ ...deps, log: log.child({ referralId }) }, referralId, eTag);
    } catch (err) {
      log.warn({ err, attempt: job.attemptsMade + 1 }, 'sync attempt failed');
      throw toBullMqError(err);
    }
  };
