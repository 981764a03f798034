import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { syncReferral, type SyncDeps, type SyncOutcome } from '../src/sync/sync-referral.ts';
import type { ReferralLock } from '../connectors/redis/referral-lock.ts';
import { runLockedJob } from './processor.ts';
import { SyncJobData } from './queues.ts';

/** One referral version to its opportunity, then the write-back (src/sync/sync-referral.ts). */
export const syncReferralProcessor =
  (deps: Omit<SyncDeps, 'log'> & { log: Logger; lock: ReferralLock; rateLimit: (ms: number) => Promise<void> }) =>
  (job: Job, token?: string): Promise<SyncOutcome> =>
    runLockedJob(job, token, {
      schema: SyncJobData,
      expects: 'payload needs referralId and eTag',
      lock: deps.lock,
      rateLimit: deps.rateLimit,
      log: deps.log,
      run: ({ referralId, eTag, fetch, adopt, epoch }, log) =>
        syncReferral({ ...deps, log }, referralId, eTag, { fetch: fetch === true, adopt: adopt === true, epoch }),
    });
