import { connectRedis } from '../connectors/redis/connection.ts';
import { createRedisStores } from '../connectors/redis/stores.ts';
import type { Logger } from 'pino';
import { FatalError } from '../src/errors.ts';
import { type PartnerCenterClient } from '../src/ports/partner-center.ts';
import { systemClock, type Clock } from '../src/ports/clock.ts';
import type { SyncJobRef } from '../src/sync/pull-referrals.ts';
import { startStateWatch } from './state-watch.ts';
import { stateLossNotice, type OpsNotice } from '../src/health/ops-notice.ts';
import type { JobGuard } from './job-guard.ts';
import { startExpiry, type ExpiryOptions } from './expiry-queues.ts';
import { startOutbound } from './outbound-queues.ts';
import type { CrmBinding, CrmRouter } from './crm-binding.ts';
import { startShare } from './share-queues.ts';
import { BACKOFF_TYPE, FAILED_SWEEP_INTERVAL_MS, jobIdPart, syncJobId } from './queues.ts';
import { startSync, type JobMapping } from './sync-queues.ts';
import { startQueueSeries } from './queue-series.ts';
import { reconcileCrmOf, startScheduledReconcile } from './reconcile.ts';
import { expiryWriterWithLeads, leadOutboundOptions } from './lead-wiring.ts';
import { startFailureAlerts, WATCHED_QUEUES, type FailureAlertOptions } from './failure-alerts.ts';

export interface RuntimeOptions {
  redisUrl: string;
  /** REDIS_CLUSTER: redisUrl names one node of a Redis Cluster. */
  redisCluster?: boolean | undefined;
  prefix: string;
  partnerCenter: PartnerCenterClient;
  /** The CRMs referrals go to (CRM=both: two); `route` picks one per referral. */
  crms: CrmBinding[];
  route: CrmRouter;
  log: Logger;
  clock?: Clock;
  pullIntervalMs: number;
  overlapMs: number;
  initialSince: Date;
  pageSize: number;
  /**
   * Sync jobs in flight. Default: the largest CRM batch plus 200 (Salesforce 400, Dataverse 1200;
   * defaultSyncConcurrency), because a batch can only hold the drafts of jobs running at the same moment.
   */
  concurrency?: number | undefined;
  attempts: number;
  /** The batcher's quiet gap for a 200-draft batch; scaled up for a CRM with larger ones (quietGapFor). */
  batchWindowMs: number;
  /** PARTNER_CENTER_MAX_RPS: sync jobs started per second across all workers; 0 or absent = unpaced. */
  partnerCenterMaxRps?: number | undefined;
  /** Register the repeatable pull (off for `sync --once` and tests that drive pulls). */
  schedulePull: boolean;
  /**
   * How long a job's lock lasts without renewal, and how often stalled jobs are looked for.
   * A worker killed mid-job leaves its jobs locked until then; another worker then retries them.
   * BullMQ's defaults (30 s each) suit production; tests shorten them.
   */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Posts an ops notice (the alert webhook), e.g. when Redis lost its data; absent: log and metrics only. */
  notify?: ((notice: OpsNotice) => Promise<void>) | undefined;
  /** How often the process checks that Redis still holds the deployment's state (STATE_CHECK_INTERVAL_MS). */
  stateCheckIntervalMs?: number | undefined;
  /** How often failed sets are swept for unhandled failures (default FAILED_SWEEP_INTERVAL_MS). */
  failedSweepIntervalMs?: number;
  /** How often queue depth and failed attempts are written for the dashboard's charts (default 60 s). */
  seriesIntervalMs?: number;
  /** The expiry engine (issue 5); absent: no expiry queues in this process. */
  expiry?: ExpiryOptions;
  /** Register the repeatable CRM polls of the bindings with outbound sync (issue 4); default off. */
  schedulePolls?: boolean | undefined;
  /** The reconcile sweep (issue 12) every this many ms, 0 = off (RECONCILE_INTERVAL_MS); absent: no sweep worker here. */
  reconcileIntervalMs?: number | undefined;
  /**
   * Failure alerts (issue 18): digests to the alert webhook. When they cover state-loss, the
   * Redis data loss goes out as a digest (with retries) instead of the one-shot `notify`.
   */
  failureAlerts?: FailureAlertOptions | undefined;
  /**
   * The mapping version for the next sync job (issue 17, jobs/live-mapping.ts); it replaces the
   * bindings' toDraft and `route` for that job. Absent: those, for good.
   */
  mapping?: (() => Promise<JobMapping>) | undefined;
}

/** The queues, workers and stores of one worker process. `close()` shuts down gracefully. */
export async function startRuntime(o: RuntimeOptions) {
  if (o.crms.length === 0) throw new FatalError('no CRM is configured (CRM)');
  const clock = o.clock ?? systemClock;
  // BullMQ needs maxRetriesPerRequest: null on connections used by workers (blocking commands).
  const redis = connectRedis(
    { url: o.redisUrl, cluster: o.redisCluster },
    { maxRetriesPerRequest: null, enableAutoPipelining: true },
  );
  const connection = redis;
  // Our stores get a connection of their own (issue 19): BullMQ defines its Lua scripts on the
  // connection it is given, and ioredis copies every defined script into each pipeline and
  // multi() made on that client, which doubled the cost of our transactions.
  const stores = connectRedis(
    { url: o.redisUrl, cluster: o.redisCluster },
    { maxRetriesPerRequest: null, enableAutoPipelining: true },
  );
  const storeSet = createRedisStores(stores, o.prefix);
  const { referrals, state, parking, checkpoint, outbound: outboundStore, share: shareStore, lock, epoch } = storeSet;

  /** Set once the watch starts (below); a pull may run before that. */
  const watch: { current?: Awaited<ReturnType<typeof startStateWatch>> } = {};
  const bindings = o.crms;
  const sync = await startSync(
    {
      connection,
      prefix: o.prefix,
      stores: storeSet,
      partnerCenter: o.partnerCenter,
      clock,
      log: o.log,
      checkState: async () => {
        await watch.current?.checkNow();
      },
    },
    o,
  );
  const { pullQueue, syncQueue, pullWorker, syncWorker, runPull, target } = sync;

  // While a referral is a Lead (issue 16), its warnings and tasks go to the Lead.
  const expiryWriters = Object.fromEntries(
    bindings.flatMap((b) =>
      b.expiry
        ? [[b.connector.kind, b.lead ? expiryWriterWithLeads(b.expiry, b.lead.crm.expiry, state) : b.expiry]]
        : [],
    ),
  );
  const expiry = o.expiry
    ? await startExpiry(
        { connection, prefix: o.prefix, referrals, state, parking, clock, log: o.log, crm: expiryWriters },
        o.expiry,
      )
    : undefined;

  const outboundDeps = {
    connection,
    prefix: o.prefix,
    partnerCenter: o.partnerCenter,
    referrals,
    outbound: outboundStore,
    parking,
    lock,
    clock,
    log: o.log,
  };
  // Per CRM: its opportunity channel, then its Lead channel (issue 16), so outbounds[0] stays the first CRM's.
  const outbounds = await Promise.all(
    bindings.flatMap((b) => {
      if (!b.outbound) return [];
      const common = { attempts: o.attempts, schedule: o.schedulePolls ?? false };
      const opportunity = startOutbound(outboundDeps, { ...b.outbound, ...common });
      if (!b.lead) return [opportunity];
      const lead = leadOutboundOptions(b.connector.kind, b.lead, b.outbound, state, target);
      return [opportunity, startOutbound(outboundDeps, { ...lead, ...common })];
    }),
  );
  /** The first CRM's outbound queues (the only one unless CRM=both). */
  const outbound = outbounds[0];
  /** The first CRM's Lead channel, when it has one (issue 16). */
  const leadOutbound = o.crms[0]?.lead && o.crms[0]?.outbound ? outbounds[1] : undefined;
  const shares = await Promise.all(
    bindings.flatMap((b) =>
      b.share
        ? [
            startShare(
              { ...outboundDeps, state, store: shareStore },
              { ...b.share, attempts: o.attempts, schedule: o.schedulePolls ?? false },
            ),
          ]
        : [],
    ),
  );

  const reconcile =
    o.reconcileIntervalMs === undefined
      ? undefined
      : await startScheduledReconcile(
          {
            connection,
            prefix: o.prefix,
            partnerCenter: o.partnerCenter,
            referrals,
            state,
            outbound: outboundStore,
            parking,
            clock,
            log: o.log,
            pageSize: o.pageSize,
            attempts: o.attempts,
            crms: bindings.flatMap((b) => reconcileCrmOf(b.connector, b.outbound?.crm)),
          },
          { intervalMs: o.reconcileIntervalMs, schedule: o.schedulePull },
        );

  const failureAlerts = o.failureAlerts
    ? await startFailureAlerts(
        {
          connection,
          prefix: o.prefix,
          parking,
          epoch,
          clock,
          log: o.log,
          queueNames: WATCHED_QUEUES.all,
          throttledQueueNames: WATCHED_QUEUES.throttled,
        },
        o.failureAlerts,
      )
    : undefined;
  const lossInDigest = failureAlerts?.kinds.has('state-loss') === true;

  const guards: JobGuard[] = [
    sync.guard,
    ...outbounds.map((x) => x.guard),
    ...shares.map((x) => x.guard),
    ...(expiry ? [expiry.guard] : []),
  ];
  /** Every failed set swept once: what a worker killed mid-handling left behind (issue 12). */
  const sweepFailed = async () => {
    for (const g of guards)
      await g.sweep().catch((err: unknown) => o.log.warn({ err }, 'failed-job sweep failed; retried next interval'));
  };
  void sweepFailed();
  const sweepTimer = setInterval(() => void sweepFailed(), o.failedSweepIntervalMs ?? FAILED_SWEEP_INTERVAL_MS);
  sweepTimer.unref();
  // The dashboard's queue health charts (jobs/queue-series.ts).
  const series = startQueueSeries({
    redis,
    prefix: o.prefix,
    queues: [
      { group: 'sync', queue: syncQueue },
      ...outbounds.map((x) => ({ group: 'push' as const, queue: x.pushQueue })),
    ],
    workers: [
      { group: 'sync', worker: syncWorker },
      ...outbounds.map((x) => ({ group: 'push' as const, worker: x.pushWorker })),
    ],
    clock,
    log: o.log,
    ...(o.seriesIntervalMs ? { intervalMs: o.seriesIntervalMs } : {}),
  });

  const stateWatch = await startStateWatch({
    epoch,
    clock,
    log: o.log,
    intervalMs: o.stateCheckIntervalMs,
    onLoss: async (loss, first) => {
      if (first && o.notify && !lossInDigest) {
        await o
          .notify(stateLossNotice(loss.epoch, loss.detectedAt))
          .catch((err: unknown) =>
            o.log.warn({ err }, 'could not post the Redis data loss notice to the alert webhook'),
          );
      }
      await sync.schedule();
      await Promise.all([
        ...outbounds.map((x) => x.schedule()),
        ...shares.map((x) => x.schedule()),
        expiry?.schedule(),
        reconcile?.schedule(),
        failureAlerts?.schedule(),
      ]);
      // The digest's memory went with the data, so the loss is due at once: one tick per loss.
      if (lossInDigest) await failureAlerts?.checkNow(`loss-${loss.epoch}`);
      // The checkpoint went with the data: this pull lists everything again (a full reconcile of
      // the inbound side). One job per epoch, however many workers noticed.
      if (o.schedulePull) {
        await pullQueue.add(
          'pull',
          {},
          {
            jobId: `pull-after-loss-${jobIdPart(loss.epoch)}`,
            attempts: 3,
            backoff: { type: BACKOFF_TYPE },
            removeOnComplete: 100,
            removeOnFail: 100,
          },
        );
      }
    },
  });

  watch.current = stateWatch;

  let closing: Promise<void> | undefined;
  return {
    redis,
    pullQueue,
    syncQueue,
    referrals,
    state,
    parking,
    checkpoint,
    runPull,
    sweepFailed,
    stateWatch,
    epoch,
    syncWorker,
    pullWorker,
    expiry,
    outbound,
    leadOutbound,
    outbounds,
    outboundStore,
    shares,
    shareStore,
    reconcile,
    failureAlerts,
    /** Stops taking jobs, lets in-flight ones finish (up to timeoutMs), then releases the rest. */
    close(timeoutMs = 30_000): Promise<void> {
      closing ??= (async () => {
        clearInterval(sweepTimer);
        series.stop();
        stateWatch.stop();
        sync.flush();
        const graceful = Promise.all([
          sync.closeWorkers(),
          expiry?.close(),
          reconcile?.close(),
          failureAlerts?.close(),
          ...outbounds.map((x) => x.close()),
          ...shares.map((x) => x.close()),
        ]);
        const timedOut = await Promise.race([
          graceful.then(() => false),
          new Promise<boolean>((r) => setTimeout(() => r(true), timeoutMs).unref()),
        ]);
        // Forced close leaves active jobs to BullMQ's stalled-job check: another worker picks them up.
        if (timedOut)
          await Promise.all([
            sync.closeWorkers(true),
            expiry?.close(true),
            reconcile?.close(true),
            failureAlerts?.close(true),
            ...outbounds.map((x) => x.close(true)),
            ...shares.map((x) => x.close(true)),
          ]);
        await sync.closeQueues();
        await Promise.all([redis.quit(), stores.quit()]);
      })();
      return closing;
    },
  };
}
export type Runtime = Awaited<ReturnType<typeof startRuntime>>;

/** Job ids of a pull, as they were queued (for `sync --once` to wait on). */
export const jobIdsOf = (refs: SyncJobRef[]) => refs.map((r) => syncJobId(r.referralId, r.eTag));
