import { Queue, Worker, type Job } from 'bullmq';
import { METRICS_MAX_DATA_POINTS } from './queue-series.ts';
import type { RedisConnection } from '../connectors/redis/connection.ts';
import type { Logger } from 'pino';
import { z } from 'zod';
import { snapshotVersion, type CrmSnapshot } from '../src/outbound/crm-snapshot.ts';
import type { OutboundRules } from '../src/outbound/outbound-rules.ts';
import type { ValueFieldNames } from '../src/outbound/draft-values.ts';
import type { CrmKind, CrmOutbound } from '../src/ports/crm.ts';
import type { OutboundStore } from '../src/ports/outbound-store.ts';
import type { PartnerCenterClient } from '../src/ports/partner-center.ts';
import type { Clock } from '../src/ports/clock.ts';
import type { ParkingLot, ReferralStore } from '../src/ports/state.ts';
import { pushOutcome, type PushDeps, type PushOutcome } from '../src/sync/push-outcome.ts';
import { pollCrmChanges } from '../src/sync/poll-crm-changes.ts';
import { withSellerLabels } from '../src/outbound/seller-labels.ts';
import type { ReferralLock } from '../connectors/redis/referral-lock.ts';
import { toBullMqError } from './processor.ts';
import { runLockedJob } from './processor.ts';
import { createJobGuard } from './job-guard.ts';
import { BACKOFF_TYPE, jobIdPart, partnerCenterLimiter, scheduleEvery, WORKER_SETTINGS } from './queues.ts';

/** Queue names per CRM, so Salesforce and Dynamics 365 poll and push independently. */
export const outboundQueues = (crm: CrmKind | `${CrmKind}-leads`) =>
  ({ poll: `poll-${crm}`, push: `push-${crm}` }) as const;
/** Each CRM's opportunity queues and its Lead queues (issue 16). */
export const ALL_OUTBOUND_QUEUES: readonly string[] = (
  ['salesforce', 'dynamics', 'salesforce-leads', 'dynamics-leads'] as const
).flatMap((k) => Object.values(outboundQueues(k)));
const PushJob = z.object({ referralId: z.string().min(1) });

export interface OutboundOptions {
  crm: CrmOutbound & { kind: CrmKind };
  rules: OutboundRules;
  /** Which CRM field holds name, value, … (the mapping's `<crm>.outbound`), for the echo guard. */
  valueFields: ValueFieldNames;
  pollIntervalMs: number;
  overlapMs: number;
  attempts: number;
  schedule: boolean;
  /** Queue names and cursor key: `<crm>-leads` for the Lead flow (issue 16); default the CRM kind. */
  channel?: `${CrmKind}-leads` | undefined;
  /** Replaces pushOutcome for this channel's push jobs (the Lead flow's pushLeadChange). */
  push?: ((deps: PushDeps, referralId: string) => Promise<PushOutcome>) | undefined;
}

export interface OutboundDeps {
  connection: RedisConnection;
  prefix: string;
  partnerCenter: PartnerCenterClient;
  referrals: ReferralStore;
  outbound: OutboundStore;
  parking: ParkingLot;
  lock: ReferralLock;
  clock: Clock;
  log: Logger;
}

/** Push job options (the reconcile sweep queues pushes too). */
export const pushJobOptions = (attempts: number) =>
  ({
    attempts,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 30 * 24 * 3600 },
  }) as const;

/** One push per opportunity version (modstamp and team): a poll re-reading the same version adds nothing. */
export const pushJobId = (s: Pick<CrmSnapshot, 'referralId' | 'modstamp' | 'teamContacts'>): string =>
  `push-${jobIdPart(s.referralId)}-${jobIdPart(snapshotVersion(s))}`;

/** Accept/decline and Won/Lost go ahead of edits (BullMQ: lower number = sooner). */
const priorityOf = (s: CrmSnapshot) => (s.decision !== null || s.isClosed ? 1 : 10);

/**
 * Outbound sync's queues: a repeatable poll of the CRM for opportunities changed since the cursor,
 * and one push job per changed opportunity (decisions first). The push re-decides from the latest
 * snapshot, so a burst of edits collapses into what really differs from what was last pushed.
 */
export async function startOutbound(d: OutboundDeps, o: OutboundOptions) {
  const channel = o.channel ?? o.crm.kind;
  const OUTBOUND_QUEUE = outboundQueues(channel);
  const pushOne = o.push ?? pushOutcome;
  const POLL_SCHEDULER_ID = OUTBOUND_QUEUE.poll;
  const pollQueue = new Queue(OUTBOUND_QUEUE.poll, { connection: d.connection, prefix: d.prefix });
  const pushQueue = new Queue(OUTBOUND_QUEUE.push, { connection: d.connection, prefix: d.prefix });
  const settings = WORKER_SETTINGS;
  const jobOpts = pushJobOptions(o.attempts);
  // Refusals name fields as this CRM's form shows them (#15).
  const rules = withSellerLabels(o.rules, o.crm.kind, o.valueFields);

  /** One poll (src/sync/poll-crm-changes.ts): new versions stored, one push job each, decisions first. */
  const poll = () =>
    pollCrmChanges({
      kind: channel,
      crm: o.crm,
      outbound: d.outbound,
      parking: d.parking,
      clock: d.clock,
      overlapMs: o.overlapMs,
      enqueuePushes: async (fresh) => {
        await pushQueue.addBulk(
          fresh.map((s) => ({
            name: 'push',
            data: { referralId: s.referralId },
            opts: { ...jobOpts, priority: priorityOf(s), jobId: pushJobId(s) },
          })),
        );
      },
    });

  const pollWorker = new Worker(
    OUTBOUND_QUEUE.poll,
    async () => {
      try {
        return await poll();
      } catch (err) {
        d.log.warn({ err, queue: OUTBOUND_QUEUE.poll }, 'CRM poll failed');
        throw toBullMqError(err);
      }
    },
    { connection: d.connection, prefix: d.prefix, concurrency: 1, settings },
  );

  const pushWorker = new Worker(
    OUTBOUND_QUEUE.push,
    async (job: Job, token?: string) => {
      const r = await runLockedJob(job, token, {
        schema: PushJob,
        expects: 'payload needs referralId',
        lock: d.lock,
        rateLimit: (ms) => pushQueue.rateLimit(ms),
        log: d.log.child({ crm: o.crm.kind }),
        run: ({ referralId }, log) =>
          pushOne(
            {
              partnerCenter: d.partnerCenter,
              referrals: d.referrals,
              outbound: d.outbound,
              crm: o.crm,
              rules,
              clock: d.clock,
              log,
            },
            referralId,
          ),
      });
      const { referralId } = job.data as { referralId: string };
      if (r.result === 'held') {
        // Not dropped: decided again when Partner Center will take it (e.g. Won 72 h after creation).
        await pushQueue.add(
          'push',
          { referralId },
          {
            ...jobOpts,
            priority: 1,
            delay: Math.max(0, r.until.getTime() - Date.now()),
            jobId: `push-${jobIdPart(referralId)}-hold-${r.until.getTime()}`,
          },
        );
      }
      return r.result;
    },
    // The limiter makes a 429's pause apply to every push worker (partnerCenterLimiter).
    {
      connection: d.connection,
      prefix: d.prefix,
      concurrency: 20,
      settings,
      limiter: partnerCenterLimiter(0),
      metrics: { maxDataPoints: METRICS_MAX_DATA_POINTS },
    },
  );
  const guard = createJobGuard({ queue: pushQueue, stage: 'push', parking: d.parking, clock: d.clock, log: d.log });
  guard.attach(pushWorker);
  for (const w of [pollWorker, pushWorker]) w.on('error', (err) => d.log.error({ err }, 'outbound worker error'));

  /** Registers the repeatable job (fixed id: idempotent); again after Redis lost its data. */
  const schedule = async () => {
    if (!o.schedule) return;
    await scheduleEvery(pollQueue, POLL_SCHEDULER_ID, o.pollIntervalMs, 'poll');
  };
  await schedule();

  return {
    pollQueue,
    pushQueue,
    /** For the dashboard's error counts (jobs/queue-series.ts). */
    pushWorker,
    poll,
    guard,
    schedule,
    async close(force = false) {
      await Promise.all([pollWorker.close(force), pushWorker.close(force)]);
      await Promise.all([pollQueue.close(), pushQueue.close()]);
    },
  };
}
export type Outbound = Awaited<ReturnType<typeof startOutbound>>;
