import { Queue, Worker, type Job } from 'bullmq';
import type { RedisConnection } from '../connectors/redis/connection.ts';
import type { Logger } from 'pino';
import type { Referral } from '../src/domain/referral.ts';
import { ValidationError } from '../src/errors.ts';
import { ExpiryAlertJob, expiryAlertJobId } from '../src/expiry/alert.ts';
import { deliverExpiryAlert } from '../src/expiry/deliver-alert.ts';
import type { ExpiryLevel } from '../src/expiry/levels.ts';
import { runExpiryScan } from '../src/expiry/run-expiry-scan.ts';
import type { CrmExpiryWriter, CrmKind } from '../src/ports/crm.ts';
import type { Clock } from '../src/ports/partner-center.ts';
import type { ParkingLot, ReferralStore, SyncStateStore } from '../src/ports/state.ts';
import { createRedisExpiryLedger } from '../connectors/redis/expiry-ledger.ts';
import type { WebhookPoster } from '../connectors/webhook/webhook-poster.ts';
import { toBullMqError } from './bullmq-errors.ts';
import { createJobGuard } from './job-guard.ts';
import { BACKOFF_TYPE, retryDelayMs } from './queues.ts';

export const EXPIRY_QUEUE = { scan: 'expiry-scan', webhook: 'expiry-webhook' } as const;
export const EXPIRY_SCHEDULER_ID = 'expiry-scan';

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
}

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
  const ledger = createRedisExpiryLedger({ redis: d.connection, prefix: d.prefix });
  const scanQueue = new Queue(EXPIRY_QUEUE.scan, { connection: d.connection, prefix: d.prefix });
  const webhookQueue = new Queue(EXPIRY_QUEUE.webhook, { connection: d.connection, prefix: d.prefix });
  const settings = { backoffStrategy: (n: number, _t?: string, err?: Error) => retryDelayMs(n, err) };
  const log = d.log.child({ queue: EXPIRY_QUEUE.scan });

  const enqueueWebhook = async (job: ExpiryAlertJob) => {
    if (!o.webhook) return;
    await webhookQueue.add('alert', job, {
      jobId: expiryAlertJobId(job), attempts: 8, backoff: { type: BACKOFF_TYPE },
      removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: { age: 30 * 24 * 3600 },
    });
  };
  const scan = () =>
    runExpiryScan({
      referrals: d.referrals, state: d.state, ledger, crm: d.crm, enqueueWebhook, clock: d.clock, log,
      levels: o.levels, timeZone: o.timeZone, linkTemplate: o.linkTemplate, isContactMe: o.isContactMe,
    });

  const scanWorker = new Worker(
    EXPIRY_QUEUE.scan,
    async () => {
      try {
        return await scan();
      } catch (err) {
        throw toBullMqError(err);
      }
    },
    { connection: d.connection, prefix: d.prefix, concurrency: 1, settings },
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
          { referrals: d.referrals, ledger, clock: d.clock, log: d.log.child({ queue: EXPIRY_QUEUE.webhook }),
            timeZone: o.timeZone, linkTemplate: o.linkTemplate, post: (a) => webhook.post(a) },
          parsed.data,
        );
      } catch (err) {
        d.log.warn({ err, jobId: job.id }, 'expiry webhook attempt failed');
        throw toBullMqError(err);
      }
    },
    { connection: d.connection, prefix: d.prefix, concurrency: 4, settings },
  );
  const guard = createJobGuard({ queue: webhookQueue, stage: 'alert', parking: d.parking, clock: d.clock, log: d.log });
  guard.attach(webhookWorker);
  for (const w of [scanWorker, webhookWorker]) w.on('error', (err) => d.log.error({ err }, 'expiry worker error'));

  /** Registers the repeatable job (fixed id: idempotent); again after Redis lost its data. */
  const schedule = async () => {
    if (!o.schedule) return;
    await scanQueue.upsertJobScheduler(EXPIRY_SCHEDULER_ID, { every: o.scanIntervalMs }, {
      name: 'scan', opts: { attempts: 3, backoff: { type: BACKOFF_TYPE }, removeOnComplete: 100, removeOnFail: 100 },
    });
  };
  await schedule();

  return {
    scanQueue, webhookQueue, scan, guard, schedule,
    async close(force = false) {
      await Promise.all([scanWorker.close(force), webhookWorker.close(force)]);
      await Promise.all([scanQueue.close(), webhookQueue.close()]);
    },
  };
}
export type Expiry = Awaited<ReturnType<typeof startExpiry>>;
