import { Queue } from 'bullmq';
import { connectRedis, type RedisConnection } from '../../connectors/redis/connection.ts';
import type { Referral } from '../../src/domain/referral.ts';
import type { ExpiryLevel } from '../../src/expiry/levels.ts';
import type { CrmKind } from '../../src/ports/crm.ts';
import type { OutboundStore } from '../../src/ports/outbound-store.ts';
import { systemClock, type Clock } from '../../src/ports/clock.ts';
import type { Checkpoint, ParkingLot, ReferralStore, SyncStateStore } from '../../src/ports/state.ts';
import { createRedisCheckpoint } from '../../connectors/redis/checkpoint.ts';
import { createRedisOutboundStore } from '../../connectors/redis/outbound-store.ts';
import { createRedisParkingLot } from '../../connectors/redis/parking-lot.ts';
import { createRedisReferralStore } from '../../connectors/redis/referral-store.ts';
import { createRedisSyncStateStore } from '../../connectors/redis/sync-state-store.ts';
import { requeueReferral } from '../admin.ts';
import { EXPIRY_QUEUE } from '../expiry-queues.ts';
import { ALL_OUTBOUND_QUEUES } from '../outbound-queues.ts';
import { ALL_SHARE_QUEUES } from '../share-queues.ts';
import { QUEUE } from '../queues.ts';
import type { Runtime } from '../runtime.ts';

/**
 * One connection's sign-in state, as the dashboard, /readyz and /metrics show it. Shaped so that
 * jobs/credential-health.ts's `credentialHealth()` can be passed as the provider as it is.
 */
export interface CredentialStatus {
  /** e.g. 'partner-center', 'salesforce', 'dynamics'. */
  name: string;
  ok: boolean;
  /** Why not ok, for a person (no secrets: it is rendered). */
  reason?: string;
  /** ISO time of the last check; null when never checked. */
  checkedAt: string | null;
  /** Queues paused because of this failure; /readyz fails while any are. */
  pausedQueues?: readonly string[];
}

export type CredentialHealthProvider = () => Promise<readonly CredentialStatus[]> | readonly CredentialStatus[];

interface AtRiskSettings {
  levels: readonly ExpiryLevel[];
  timeZone: string;
  isContactMe(referral: Referral): boolean;
}

/** Everything the dashboard, /readyz and /metrics read. Built from a runtime or opened alone. */
export interface DashboardSource {
  prefix: string;
  /** For readiness (policy), counts and lookups; may be shared with the runtime. */
  redis: RedisConnection;
  /** Every queue: bull-board, jobs by state, paused check. */
  queues: readonly Queue[];
  referrals: ReferralStore;
  state: SyncStateStore;
  parking: ParkingLot;
  checkpoint: Checkpoint;
  outbound: OutboundStore;
  /** CRMs whose outbound poll cursor is shown. */
  crmKinds: readonly CrmKind[];
  atRisk: AtRiskSettings;
  /** Re-queues a parked referral for a fresh sync; `by` names who asked; returns a sentence for the operator. */
  replay(referralId: string, by?: string): Promise<string>;
  credentials?: CredentialHealthProvider | undefined;
  clock: Clock;
}

export interface SourceSettings {
  atRisk: AtRiskSettings;
  /** SYNC_ATTEMPTS, for replayed jobs. */
  attempts: number;
  credentials?: CredentialHealthProvider | undefined;
  crmKinds?: readonly CrmKind[];
}

const ALL_QUEUES: readonly string[] = [
  ...Object.values(QUEUE),
  ...ALL_OUTBOUND_QUEUES,
  ...ALL_SHARE_QUEUES,
  ...Object.values(EXPIRY_QUEUE),
];

function replayWith(redis: RedisConnection, prefix: string, queues: readonly Queue[], attempts: number, clock: Clock) {
  const syncQueue = queues.find((q) => q.name === QUEUE.sync);
  if (!syncQueue) throw new Error('the dashboard needs the sync queue to replay referrals');
  return (referralId: string, by = 'dashboard') =>
    requeueReferral({ redis, prefix, syncQueue, attempts }, referralId, clock.now(), by);
}

/** The dashboard inside the worker process: the runtime's own queues and stores. */
export function sourceFromRuntime(rt: Runtime, prefix: string, s: SourceSettings): DashboardSource {
  const queues = [
    rt.pullQueue,
    rt.syncQueue,
    ...rt.outbounds.flatMap((o) => [o.pollQueue, o.pushQueue]),
    rt.expiry?.scanQueue,
    rt.expiry?.webhookQueue,
  ].filter((q): q is Queue => q !== undefined);
  return {
    prefix,
    redis: rt.redis,
    queues,
    referrals: rt.referrals,
    state: rt.state,
    parking: rt.parking,
    checkpoint: rt.checkpoint,
    outbound: rt.outboundStore,
    crmKinds: s.crmKinds ?? ['salesforce'],
    atRisk: s.atRisk,
    credentials: s.credentials,
    clock: systemClock,
    replay: replayWith(rt.redis, prefix, queues, s.attempts, systemClock),
  };
}

/** `referral-sync dashboard` alone: its own connection and a Queue object per known queue. */
export function openDashboardSource(
  redisUrl: string,
  prefix: string,
  s: SourceSettings,
  cluster = false,
): DashboardSource & { close(): Promise<void> } {
  const redis = connectRedis({ url: redisUrl, cluster }, { maxRetriesPerRequest: null });
  const queues = ALL_QUEUES.map((name) => new Queue(name, { connection: redis, prefix }));
  return {
    prefix,
    redis,
    queues,
    referrals: createRedisReferralStore(redis, prefix),
    state: createRedisSyncStateStore(redis, prefix),
    parking: createRedisParkingLot(redis, prefix),
    checkpoint: createRedisCheckpoint(redis, prefix, 'pull'),
    outbound: createRedisOutboundStore(redis, prefix),
    crmKinds: s.crmKinds ?? ['salesforce'],
    atRisk: s.atRisk,
    credentials: s.credentials,
    clock: systemClock,
    replay: replayWith(redis, prefix, queues, s.attempts, systemClock),
    async close() {
      await Promise.all(queues.map((q) => q.close()));
      await redis.quit();
    },
  };
}
