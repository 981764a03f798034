import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Referral } from '../src/domain/referral.ts';
import { syncReferral, type SyncDeps, type SyncOutcome, type SyncTarget } from '../src/sync/sync-referral.ts';
import type { ReferralLock } from '../connectors/redis/referral-lock.ts';
import { runLockedJob } from './processor.ts';
import { SyncJobData } from './queues.ts';

/** The mapping version a job uses from start to end (issue 17), and the targets built from it. */
export type MappingForJob = () => Promise<{ mappingVersion: number | null; target: (r: Referral) => SyncTarget }>;

/** One referral version to its opportunity, then the write-back (src/sync/sync-referral.ts). */
export const syncReferralProcessor =
  (
    deps: Omit<SyncDeps, 'log'> & {
      log: Logger;
      lock: ReferralLock;
      rateLimit: (ms: number) => Promise<void>;
      forJob?: MappingForJob | undefined;
    },
  ) =>
  (job: Job, token?: string): Promise<SyncOutcome> =>
    runLockedJob(job, token, {
      schema: SyncJobData,
      expects: 'payload needs referralId and eTag',
      lock: deps.lock,
      rateLimit: deps.rateLimit,
      log: deps.log,
      run: async ({ referralId, eTag, fetch, adopt, epoch }, log) => {
        const m = await deps.forJob?.();
        // On the job's own log (bull-board shows it) as well as in the sync state it writes.
        if (m?.mappingVersion != null) await job.log(`mapping version ${m.mappingVersion}`);
        const scoped = m?.mappingVersion == null ? log : log.child({ mappingVersion: m.mappingVersion });
        return syncReferral({ ...deps, ...(m ? { target: m.target } : {}), log: scoped }, referralId, eTag, {
          fetch: fetch === true,
          adopt: adopt === true,
          epoch,
        });
      },
    });
