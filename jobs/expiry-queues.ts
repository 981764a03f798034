import { Queue, Worker, type Job } from 'bullmq';
import type { RedisConnection } from '../connectors/redis/connection.ts';
import type { Logger } from 'pino';
import type { Referral } from '../src/domain/referral.ts';
import { ValidationError } from '../src/errors.ts';
import { ExpiryAlertJob, expiryAlertJobId } from '../src/expiry/alert.ts';
import { deliverExpiryAlert } from '../src/expiry/deliver-alert.ts';
import type { ExpiryLevel } from '../src/expiry/levels.ts';
import { runExpiryScan, scanOneReferral, type ExpiryScanDeps } from '../src/expiry/run-expiry-scan.ts';
import type { AlertQueue } from '../src/ports/alert-queue.ts';
import type { CrmExpiryWriter, CrmKind } from '../src/ports/crm.ts';
import type { Clock } from '../src/ports/clock.ts';
import type { ParkingLot, ReferralStore, SyncStateStore } from '../src/ports/state.ts';
import { createRedisExpiryLedger } from '../connectors/redis/expiry-ledger.ts';
import type { WebhookPoster } from '../connectors/webhook/webhook-poster.ts';
import { toBullMqError } from './processor.ts';
import { createJobGuard, requeueFinished } from './job-guard.ts';
import { BACKOFF_TYPE, scheduleEvery, WORKER_SETTINGS } from './queues.ts';

export const EXPIRY_QUEUE = { scan: 'expiry-scan', webhook: 'expiry-webhook' } as const;
const EXPIRY_SCHEDULER_ID = 'expiry-scan';

export interface ExpiryOptions {
  levels: readonly ExpiryLevel[];
  timeZone: string;
  /** URL with {referralId} for alerts; null for none. */
  linkTemplate: string | null;
  isContactMe: (referral: Referral) => boolean;
  /** Absent: alerts go to the CRM only. */
  webhook?: WebhookPoster | undefined;
  scanIntervalMs: number;
  schedule: boolean;
  /** How long an alert's CRM effect waits for its webhook post (crmMayGo). Default 10 min. */
  crmWaitForWebhookMs?: number | undefined;
  /** The ledger's claim lease (RedisExpiryLedgerOptions.leaseMs); tests shorten it. */
  claimLeaseMs?: number | undefined;
  /** BullMQ lock duration and stalled check of the expiry workers; tests shorten them. */
  lockDurationMs?: number | undefined;
  stalledIntervalMs?: number | undefined;
}

/** Long enough for a receiver's brief outage to pass, short enough that the seller's task is not late. */
const DEFAULT_CRM_WAIT_FOR_WEBHOOK_MS = 10 * 60_000;

export interface ExpiryDeps {
  connection: RedisConnection;
  prefix: string;
  referrals: ReferralStore;
  state: SyncStateStore;
  /** Where a webhook alert that gave up is shown (stage 'alert'). */
  parking: ParkingLot;
  crm: Partial<Record<CrmKind, CrmExpiryWriter>>;
  clock: Clock;
  log: Logger;
}

/**
 * The expiry engine's queues: a repeatable scan (one scheduler id, so restarts and several
 * workers never add a second) and a webhook queue whose retries never hold up CRM updates.
 */
export async function startExpiry(d: ExpiryDeps, o: ExpiryOptions) {
  const ledger = createRedisExpiryLedger({
    redis: d.connection,
    prefix: d.prefix,
    ...(o.claimLeaseMs ? { leaseMs: o.claimLeaseMs } : {}),
  });
  const scanQueue = new Queue(EXPIRY_QUEUE.scan, { connection: d.connection, prefix: d.prefix });
  const webhookQueue = new Queue(EXPIRY_QUEUE.webhook, { connection: d.connection, prefix: d.prefix });
  const settings = WORKER_SETTINGS;
  const log = d.log.child({ queue: EXPIRY_QUEUE.scan });

  const lock = {
    ...(o.lockDurationMs ? { lockDuration: o.lockDurationMs } : {}),
    ...(o.stalledIntervalMs ? { stalledInterval: o.stalledIntervalMs } : {}),
  };
  const scanDeps: ExpiryScanDeps = {
    referrals: d.referrals,
    state: d.state,
    ledger,
    crm: d.crm,
    clock: d.clock,
    log,
    alerts: o.webhook ? bullMqAlertQueue(webhookQueue) : null,
    crmWaitForWebhookMs: o.crmWaitForWebhookMs ?? DEFAULT_CRM_WAIT_FOR_WEBHOOK_MS,
    levels: o.levels,
    timeZone: o.timeZone,
    linkTemplate: o.linkTemplate,
    isContactMe: o.isContactMe,
  };
  const scan = () => runExpiryScan(scanDeps);

  const scanWorker = new Worker(
    EXPIRY_QUEUE.scan,
    async () => {
      try {
        return await scan();
      } catch (err) {
        throw toBullMqError(err);
      }
    },
    { connection: d.connection, prefix: d.prefix, concurrency: 1, settings, ...lock },
  );
  const webhook = o.webhook;
  const webhookWorker = new Worker(
    EXPIRY_QUEUE.webhook,
    async (job: Job) => {
      const parsed = ExpiryAlertJob.safeParse(job.data);
      try {
        if (!parsed.success) throw new ValidationError(`expiry alert job ${job.id} has a malformed payload`);
        if (!webhook) return 'no-webhook';
        return await deliverExpiryAlert(
          {
            referrals: d.referrals,
            ledger,
            clock: d.clock,
            log: d.log.child({ queue: EXPIRY_QUEUE.webhook }),
            timeZone: o.timeZone,
            linkTemplate: o.linkTemplate,
            post: (a) => webhook.post(a),
            afterPosted: (referralId) => scanOneReferral(scanDeps, referralId),
          },
          parsed.data,
        );
      } catch (err) {
        d.log.warn({ err, jobId: job.id }, 'expiry webhook attempt failed');
        throw toBullMqError(err);
      }
    },
    { connection: d.connection, prefix: d.prefix, concurrency: 4, settings, ...lock },
  );
  // Stalled alert jobs are queued again at once; spent ones are the scan's (it re-queues them).
  const guard = createJobGuard({
    queue: webhookQueue,
    stage: 'alert',
    parking: d.parking,
    clock: d.clock,
    log: d.log,
    park: false,
  });
  guard.attach(webhookWorker);
  for (const w of [scanWorker, webhookWorker]) w.on('error', (err) => d.log.error({ err }, 'expiry worker error'));

  /** Registers the repeatable job (fixed id: idempotent); again after Redis lost its data. */
  const schedule = async () => {
    if (!o.schedule) return;
    await scheduleEvery(scanQueue, EXPIRY_SCHEDULER_ID, o.scanIntervalMs, 'scan');
  };
  await schedule();

  return {
    scanQueue,
    webhookQueue,
    scan,
    guard,
    schedule,
    async close(force = false) {
      await Promise.all([scanWorker.close(force), webhookWorker.close(force)]);
      await Promise.all([scanQueue.close(), webhookQueue.close()]);
    },
  };
}

/**
 * The AlertQueue port over the BullMQ webhook queue. The jobId is per (referral, alert), so an
 * add while the job exists, in any state, is a no-op: that is why the scan asks for the state
 * and retries a failed job rather than adding it again.
 */
function bullMqAlertQueue(queue: Queue): AlertQueue {
  const options = (job: ExpiryAlertJob) => ({
    jobId: expiryAlertJobId(job),
    attempts: 8,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: { age: 7 * 24 * 3600 },
    removeOnFail: { age: 30 * 24 * 3600 },
  });
  return {
    async add(job) {
      await queue.add('alert', job, options(job));
    },
    async state(job) {
      const found = await queue.getJob(expiryAlertJobId(job));
      if (!found) return { state: 'missing' };
      const state = await found.getState();
      if (state === 'unknown') return { state: 'missing' };
      if (state === 'failed') return { state: 'failed' };
      if (state === 'completed') return { state: 'completed', result: found.returnvalue };
      return { state: 'pending' };
    },
    async retry(job) {
      // A fresh job, not job.retry(): BullMQ keeps a stalled job's deferred failure through a
      // retry, so the retried job failed again the moment it was picked up (job-guard.ts).
      await requeueFinished(queue, 'alert', job, options(job));
    },
  };
}
