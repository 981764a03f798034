import { Queue, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { RedisConnection } from '../connectors/redis/connection.ts';
import type { ReferralLock } from '../connectors/redis/referral-lock.ts';
import { shareVersion } from '../src/share/share-request.ts';
import type { ShareRules } from '../src/share/share-rules.ts';
import type { Clock } from '../src/ports/clock.ts';
import type { CrmKind, CrmOutbound } from '../src/ports/crm.ts';
import type { CrmShare } from '../src/ports/crm-share.ts';
import type { PartnerCenterClient, ReferralCreator } from '../src/ports/partner-center.ts';
import type { ShareStore } from '../src/ports/share-store.ts';
import type { ParkingLot, ReferralStore, SyncStateStore } from '../src/ports/state.ts';
import { checkCoSellAnswers } from '../src/sync/co-sell-answers.ts';
import { shareOpportunity, shareParkId } from '../src/sync/share-opportunity.ts';
import { toBullMqError } from './processor.ts';
import { createJobGuard } from './job-guard.ts';
import { runLockedJob } from './processor.ts';
import { BACKOFF_TYPE, jobIdPart, partnerCenterLimiter, scheduleEvery, WORKER_SETTINGS } from './queues.ts';

/** Queue names per CRM: the share poll, and one create job per share request version. */
export const shareQueues = (crm: CrmKind) => ({ poll: `share-poll-${crm}`, share: `share-${crm}` }) as const;
export const ALL_SHARE_QUEUES: readonly string[] = (['salesforce', 'dynamics'] as const).flatMap((k) =>
  Object.values(shareQueues(k)),
);

/** `referralId` is the parking/lease key of the share (share-<crm>-<crmId>): ids only in job data. */
const ShareJob = z.object({ referralId: z.string().min(1), crmId: z.string().min(1) });

export interface ShareOptions {
  /** The Partner Center client (creates, lookups, related referrals). */
  partnerCenter: ReferralCreator & Pick<PartnerCenterClient, 'getReferral'>;
  crm: CrmShare & Pick<CrmOutbound, 'writeStatus'> & { kind: CrmKind };
  rules: ShareRules;
  linkOf: (referralId: string) => string;
  pollIntervalMs: number;
  attempts: number;
  schedule: boolean;
}

export interface ShareQueueDeps {
  connection: RedisConnection;
  prefix: string;
  referrals: ReferralStore;
  state: SyncStateStore;
  store: ShareStore;
  parking: ParkingLot;
  lock: ReferralLock;
  clock: Clock;
  log: Logger;
}

export const shareJobOptions = (attempts: number) =>
  ({
    attempts,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 30 * 24 * 3600 },
  }) as const;

/**
 * Co-sell referrals created from the CRM (issue 16): a repeatable poll lists the opportunities
 * with the share flag set and no referral key, and queues one share job per request version (a
 * request that did not change is not queued again). The share job creates the referral exactly
 * once (src/sync/share-opportunity.ts). The poll also shows Microsoft's answers to co-sell requests.
 */
export async function startShare(d: ShareQueueDeps, o: ShareOptions) {
  const Q = shareQueues(o.crm.kind);
  const pollQueue = new Queue(Q.poll, { connection: d.connection, prefix: d.prefix });
  const shareQueue = new Queue(Q.share, { connection: d.connection, prefix: d.prefix });
  const log = d.log.child({ crm: o.crm.kind });
  const jobOpts = shareJobOptions(o.attempts);

  const poll = async () => {
    const { requests, invalid } = await o.crm.listShareRequests();
    const wanted = requests.filter((r) => r.flag && r.referralId === null);
    await shareQueue.addBulk(
      wanted.map((r) => ({
        name: 'share',
        data: { referralId: shareParkId(o.crm.kind, r.crmId), crmId: r.crmId },
        opts: { ...jobOpts, jobId: `share-${jobIdPart(r.crmId)}-${jobIdPart(shareVersion(r))}` },
      })),
    );
    const at = d.clock.now().toISOString();
    for (const bad of invalid)
      await d.parking.park({ referralId: shareParkId(o.crm.kind, bad.crmId), reason: bad.error, stage: 'share', at });
    const answers = await checkCoSellAnswers({
      kind: o.crm.kind,
      crm: o.crm,
      partnerCenter: o.partnerCenter,
      store: d.store,
      log,
    });
    return { requests: wanted.length, invalid: invalid.length, ...answers };
  };

  const pollWorker = new Worker(
    Q.poll,
    async () => {
      try {
        return await poll();
      } catch (err) {
        log.warn({ err, queue: Q.poll }, 'share poll failed');
        throw toBullMqError(err);
      }
    },
    { connection: d.connection, prefix: d.prefix, concurrency: 1, settings: WORKER_SETTINGS },
  );

  const shareWorker = new Worker(
    Q.share,
    (job: Job, token?: string) =>
      runLockedJob(job, token, {
        schema: ShareJob,
        expects: 'payload needs referralId and crmId',
        lock: d.lock,
        // A 429 from Partner Center pauses this queue once (jobs/processor.ts) instead of each job waiting.
        rateLimit: (ms) => shareQueue.rateLimit(ms),
        log,
        run: ({ crmId }, jobLog) =>
          shareOpportunity(
            {
              kind: o.crm.kind,
              crm: o.crm,
              partnerCenter: o.partnerCenter,
              store: d.store,
              referrals: d.referrals,
              state: d.state,
              parking: d.parking,
              rules: o.rules,
              linkOf: o.linkOf,
              clock: d.clock,
              log: jobLog,
            },
            crmId,
          ),
      }),
    // The limiter lets a 429's queue-wide pause hold this worker too (partnerCenterLimiter).
    {
      connection: d.connection,
      prefix: d.prefix,
      concurrency: 5,
      settings: WORKER_SETTINGS,
      limiter: partnerCenterLimiter(0),
    },
  );
  // Spent jobs are parked (visible on the dashboard), stalled ones queued again (issue 12).
  const guard = createJobGuard({ queue: shareQueue, stage: 'share', parking: d.parking, clock: d.clock, log });
  guard.attach(shareWorker);
  for (const w of [pollWorker, shareWorker]) w.on('error', (err) => log.error({ err }, 'share worker error'));

  const schedule = async () => {
    if (!o.schedule) return;
    await scheduleEvery(pollQueue, Q.poll, o.pollIntervalMs, 'poll');
  };
  await schedule();

  return {
    pollQueue,
    shareQueue,
    poll,
    guard,
    schedule,
    async close(force = false) {
      await Promise.all([pollWorker.close(force), shareWorker.close(force)]);
      await Promise.all([pollQueue.close(), shareQueue.close()]);
    },
  };
}
export type Share = Awaited<ReturnType<typeof startShare>>;
