import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Referral } from '../src/domain/referral.ts';
import { FatalError } from '../src/errors.ts';
import type { Clock } from '../src/ports/clock.ts';
import type { CrmKind, OpportunityDraft } from '../src/ports/crm.ts';
import type { PartnerCenterClient } from '../src/ports/partner-center.ts';
import { pullReferrals, type PullResult, type SyncJobRef } from '../src/sync/pull-referrals.ts';
import { syncReferral, type SyncOutcome, type SyncTarget } from '../src/sync/sync-referral.ts';
import type { RedisStores } from '../connectors/redis/stores.ts';
import { createDraftsOnTheWay, createSyncBatchers, defaultSyncConcurrency, syncJobsQueued } from './batch-pending.ts';
import type { CrmBinding, CrmRouter } from './crm-binding.ts';
import { createJobGuard, requeueFinished } from './job-guard.ts';
import { leadTarget } from './lead-wiring.ts';
import { runLockedJob, toBullMqError } from './processor.ts';
import { METRICS_MAX_DATA_POINTS } from './queue-series.ts';
import {
  partnerCenterLimiter,
  PULL_SCHEDULER_ID,
  QUEUE,
  scheduleEvery,
  SyncJobData,
  syncJobId,
  syncJobOptions,
  WORKER_SETTINGS,
} from './queues.ts';

/*
 * The inbound side of one referral, in the order it runs (issue 13: one file to follow):
 *  1. the repeatable pull job lists changed referrals (src/sync/pull-referrals.ts) and queues one
 *     sync job per referral version (`enqueue`, deterministic job ids from jobs/queues.ts);
 *  2. a sync job takes the referral's lease and runs the sync use case (runLockedJob in
 *     jobs/processor.ts, then src/sync/sync-referral.ts) against the referral's CRM target;
 *  3. the target's upsert joins the CRM's batcher (src/sync/upsert-batcher.ts): one CRM write call
 *     for many jobs; the use case then writes the CRM id back to Partner Center.
 */

/** One mapping version as a sync job applies it. */
export interface JobMapping {
  /** Null: the file alone, never saved as a version. */
  id: number | null;
  toDraft(kind: CrmKind, referral: Referral, now: Date): OpportunityDraft;
  /** CRM=both: the version's routing. */
  route?: ((referral: Referral) => CrmKind) | undefined;
}

export interface SyncQueueDeps {
  connection: ConnectionOptions;
  prefix: string;
  stores: RedisStores;
  partnerCenter: PartnerCenterClient;
  clock: Clock;
  log: Logger;
  /** The state check (jobs/state-watch.ts): a pull that finds the epoch marker gone runs it first. */
  checkState: () => Promise<void>;
}

export interface SyncQueueOptions {
  crms: CrmBinding[];
  route: CrmRouter;
  /** The mapping version for the next sync job (jobs/live-mapping.ts); absent: the bindings' own, for good. */
  mapping?: (() => Promise<JobMapping>) | undefined;
  attempts: number;
  concurrency?: number | undefined;
  batchWindowMs: number;
  partnerCenterMaxRps?: number | undefined;
  lockDurationMs?: number | undefined;
  stalledIntervalMs?: number | undefined;
  overlapMs: number;
  initialSince: Date;
  pageSize: number;
  pullIntervalMs: number;
  /** Register the repeatable pull (off for `sync --once` and tests that drive pulls). */
  schedulePull: boolean;
}

/** The pull and sync queues and workers of one process. */
export async function startSync(d: SyncQueueDeps, o: SyncQueueOptions) {
  const { referrals, state, parking, checkpoint, lock, epoch, share: shareStore } = d.stores;
  const { connection, prefix, clock } = d;
  const pullQueue = new Queue(QUEUE.pull, { connection, prefix });
  const syncQueue = new Queue(QUEUE.sync, { connection, prefix });

  // 1. The pull: one sync job per referral version, queued page by page.
  const enqueue = async (jobs: SyncJobRef[]) => {
    const fresh = jobs.filter((j) => !j.repair);
    if (fresh.length > 0) {
      await syncQueue.addBulk(
        fresh.map((j) => ({
          name: 'sync',
          data: j,
          opts: { ...syncJobOptions(o.attempts), jobId: syncJobId(j.referralId, j.eTag) },
        })),
      );
    }
    for (const j of jobs.filter((x) => x.repair)) {
      await requeueFinished(
        syncQueue,
        'sync',
        { referralId: j.referralId, eTag: j.eTag },
        { ...syncJobOptions(o.attempts), jobId: syncJobId(j.referralId, j.eTag) },
      );
    }
  };

  /** One pull; `onQueued` sees each page's jobs as soon as they are durably queued. */
  const runPull = async (onQueued?: (jobs: SyncJobRef[]) => void): Promise<PullResult> => {
    // A pull that finds the marker gone runs the state check first: it is the rebuild.
    let startedOn = await epoch.current();
    if (startedOn === null) {
      await d.checkState();
      startedOn = await epoch.current();
    }
    const loss = await epoch.loss();
    const startedAt = clock.now();
    const result = await pullReferrals({
      partnerCenter: d.partnerCenter,
      referrals,
      state,
      parking,
      checkpoint,
      clock,
      // Until the first full pull after a detected loss finishes, its jobs look for existing opportunities.
      adopt: loss !== null && loss.recoveredAt === undefined,
      sameState: async () => (await epoch.current()) === startedOn,
      epoch: startedOn ?? undefined,
      enqueue: async (jobs) => {
        await enqueue(jobs);
        onQueued?.(jobs);
      },
      log: d.log.child({ queue: QUEUE.pull }),
      overlapMs: o.overlapMs,
      initialSince: o.initialSince,
      pageSize: o.pageSize,
    });
    // A full pull that began after the loss was noticed has queued everything: the rebuild is done.
    if (await epoch.markRecovered(startedAt, clock.now())) d.log.info('full pull after the Redis data loss finished');
    return result;
  };

  const settings = WORKER_SETTINGS;
  const pullWorker = new Worker(
    QUEUE.pull,
    async () => {
      try {
        const r = await runPull();
        return { fetched: r.fetched, queued: r.queued, inSync: r.inSync, invalid: r.invalid, repaired: r.repaired };
      } catch (err) {
        d.log.warn({ err }, 'pull failed');
        throw toBullMqError(err);
      }
    },
    { connection, prefix, concurrency: 1, settings },
  );

  // 3. Per CRM, a batcher for its opportunities and one for its Leads: the targets a sync job writes to.
  const bindings = o.crms;
  // Sync jobs not yet at a batcher: a part-full batch waits for their drafts (issue 19).
  const onTheWay = createDraftsOnTheWay(syncJobsQueued(syncQueue));
  const { batchers, leadBatchers } = createSyncBatchers(bindings, o.batchWindowMs, onTheWay);
  const targets = new Map<CrmKind, SyncTarget>(
    bindings.map((b, i) => {
      const t: SyncTarget = {
        crm: b.connector.kind,
        upsert: (batchers[i] as (typeof batchers)[number]).upsert,
        toDraft: b.toDraft,
        lookup: (referralId: string) => b.connector.readStamp(referralId),
        inbound: b.outbound
          ? {
              outbound: d.stores.outbound,
              crm: b.outbound.crm,
              rules: b.outbound.rules,
              valueFields: b.outbound.valueFields,
            }
          : undefined,
        lead: b.lead && leadBatchers[i] ? leadTarget(b.lead, leadBatchers[i].upsert) : undefined,
      };
      return [b.connector.kind, t] as const;
    }),
  );
  /** The target of one referral under a mapping version (absent: the bindings' own mapping and routing). */
  const targetWith =
    (m: JobMapping | undefined) =>
    (referral: Referral): SyncTarget => {
      const kind = (m?.route ?? o.route)(referral);
      const t = targets.get(kind);
      if (!t)
        throw new FatalError(`referral ${referral.id} is routed to ${kind}, which is not configured (CRM setting)`);
      if (!m) return t;
      return {
        ...t,
        toDraft: (r, now) => m.toDraft(kind, r, now),
        ...(m.id === null ? {} : { mappingVersion: m.id }),
      };
    };
  const target = targetWith(undefined);

  // 2. The sync job: one referral version to its CRM record, then the id write-back.
  const syncDeps = {
    referrals,
    state,
    parking,
    partnerCenter: d.partnerCenter,
    clock,
    stateHistory: () => epoch.view(),
    // A referral we are creating from an opportunity is not synced inbound before the
    // opportunity holds its key (that would create a second opportunity for it).
    targetOf: (kind: CrmKind) => targets.get(kind),
    shareInFlight: async (crm: CrmKind, crmId: string) => {
      const a = await shareStore.attempt(crm, crmId);
      return a !== null && a.linkedAt === undefined;
    },
  };
  const syncProcessor = (job: Job, token?: string): Promise<SyncOutcome> =>
    runLockedJob(job, token, {
      schema: SyncJobData,
      expects: 'payload needs referralId and eTag',
      lock,
      rateLimit: (ms) => syncQueue.rateLimit(ms),
      log: d.log,
      run: async ({ referralId, eTag, fetch, adopt, epoch: jobEpoch }, log) => {
        // The mapping version this job uses from start to end (issue 17).
        const m = o.mapping ? await o.mapping() : undefined;
        // On the job's own log (bull-board shows it) as well as in the sync state it writes.
        if (m?.id != null) await job.log(`mapping version ${m.id}`);
        const scoped = m?.id == null ? log : log.child({ mappingVersion: m.id });
        return syncReferral({ ...syncDeps, target: m ? targetWith(m) : target, log: scoped }, referralId, eTag, {
          fetch: fetch === true,
          adopt: adopt === true,
          epoch: jobEpoch,
        });
      },
    });
  const syncWorker = new Worker(QUEUE.sync, onTheWay.track(syncProcessor), {
    connection,
    prefix,
    // Each sync job makes at most one Partner Center write (the id write-back): pacing job starts paces those.
    limiter: partnerCenterLimiter(o.partnerCenterMaxRps ?? 0),
    // A batch can only hold the drafts of jobs running at the same moment (defaultSyncConcurrency).
    concurrency: o.concurrency ?? defaultSyncConcurrency(bindings),
    settings,
    metrics: { maxDataPoints: METRICS_MAX_DATA_POINTS },
    ...(o.lockDurationMs ? { lockDuration: o.lockDurationMs } : {}),
    ...(o.stalledIntervalMs ? { stalledInterval: o.stalledIntervalMs } : {}),
  });
  // Nothing ends only in the failed set: stalled jobs are queued again, spent ones parked (issue 12).
  const guard = createJobGuard({ queue: syncQueue, stage: 'crm', parking, clock, log: d.log });
  guard.attach(syncWorker);
  for (const w of [pullWorker, syncWorker]) w.on('error', (err) => d.log.error({ err }, 'worker error'));

  const schedule = async () => {
    if (!o.schedulePull) return;
    await scheduleEvery(pullQueue, PULL_SCHEDULER_ID, o.pullIntervalMs, 'pull');
  };
  await schedule();

  return {
    pullQueue,
    syncQueue,
    pullWorker,
    syncWorker,
    guard,
    runPull,
    /** The bindings' own target per referral (the Lead channel's outbound needs it). */
    target,
    schedule,
    /** Sends what the batchers hold now (on shutdown). */
    flush(): void {
      for (const b of [...batchers, ...leadBatchers]) b?.flush();
    },
    /** Closes both workers; `force`: without waiting for active jobs. */
    closeWorkers(force = false): Promise<unknown> {
      return Promise.all([syncWorker.close(force), pullWorker.close(force)]);
    },
    closeQueues(): Promise<unknown> {
      return Promise.all([pullQueue.close(), syncQueue.close()]);
    },
  };
}
