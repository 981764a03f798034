import { Queue } from 'bullmq';
import { connectRedis, type RedisConnection } from '../connectors/redis/connection.ts';
import type { AdminEnv } from '../src/config/env.ts';
import { createRedisCheckpoint } from '../connectors/redis/checkpoint.ts';
import { keys } from '../connectors/redis/keys.ts';
import { createRedisParkingLot } from '../connectors/redis/parking-lot.ts';
import { plainLine } from '../src/text/display.ts';
import { createStateEpoch } from '../connectors/redis/state-epoch.ts';
import { QUEUE, syncJobId, syncJobOptions } from './queues.ts';
import { atRiskList, type AtRiskEntry } from '../src/expiry/at-risk.ts';
import { createRedisReferralStore } from '../connectors/redis/referral-store.ts';
import { EXPIRY_QUEUE, type ExpiryOptions } from './expiry-queues.ts';
import { ALL_OUTBOUND_QUEUES } from './outbound-queues.ts';
import { ALL_SHARE_QUEUES } from './share-queues.ts';
import { formatHistory } from '../src/outbound/audit.ts';
import { createRedisOutboundStore } from '../connectors/redis/outbound-store.ts';

async function withRedis<T>(env: AdminEnv, fn: (redis: RedisConnection) => Promise<T>): Promise<T> {
  const redis = connectRedis({ url: env.REDIS_URL, cluster: env.REDIS_CLUSTER }, { maxRetriesPerRequest: null });
  try {
    return await fn(redis);
  } finally {
    await redis.quit();
  }
}

/** Queue counts, the pull checkpoint and the parked referrals, as plain text. */
export async function showStatus(env: AdminEnv, out: NodeJS.WritableStream): Promise<void> {
  await withRedis(env, async (redis) => {
    for (const name of [
      ...Object.values(QUEUE),
      ...ALL_OUTBOUND_QUEUES,
      ...ALL_SHARE_QUEUES,
      ...Object.values(EXPIRY_QUEUE),
    ]) {
      const q = new Queue(name, { connection: redis, prefix: env.REDIS_PREFIX });
      const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed');
      out.write(
        `${name.padEnd(15)} ${Object.entries(c)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}\n`,
      );
      await q.close();
    }
    const mark = await createRedisCheckpoint(redis, env.REDIS_PREFIX, 'pull').get();
    out.write(`pull checkpoint: ${mark ? mark.toISOString() : 'none (first pull not done)'}\n`);
    const parked = await createRedisParkingLot(redis, env.REDIS_PREFIX).list(50);
    out.write(`parked referrals: ${parked.length}\n`);
    // Reasons quote remote and referral text: one line each, whatever they hold (#14).
    for (const p of parked)
      out.write(`  ${p.at} ${plainLine(p.referralId)} [${plainLine(p.stage)}] ${plainLine(p.reason)}\n`);
    const dismissed = await createRedisParkingLot(redis, env.REDIS_PREFIX).dismissed(50);
    if (dismissed.length > 0) {
      out.write(`dismissed referrals: ${dismissed.length}\n`);
      for (const p of dismissed)
        out.write(
          `  ${p.dismissedAt} ${plainLine(p.referralId)} by ${plainLine(p.dismissedBy)}: ${plainLine(p.dismissedWhy)}\n`,
        );
    }
    const loss = await createStateEpoch(redis, env.REDIS_PREFIX).loss();
    if (loss) {
      out.write(
        `Redis data loss: noticed ${loss.detectedAt}, ${loss.recoveredAt ? `rebuilt by ${loss.recoveredAt}` : 'rebuild still running'} (${loss.count} in all)\n`,
      );
    }
  });
}

/**
 * Re-queues one referral: forgets our stored copy (so it is fetched fresh from Partner Center),
 * takes it off the parking lot and adds a sync job with a new id (the failed one keeps its id).
 */
export async function replay(env: AdminEnv, referralId: string, now = new Date()): Promise<string> {
  return withRedis(env, async (redis) => {
    const syncQueue = new Queue(QUEUE.sync, { connection: redis, prefix: env.REDIS_PREFIX });
    try {
      return await requeueReferral(
        { redis, prefix: env.REDIS_PREFIX, syncQueue, attempts: env.SYNC_ATTEMPTS },
        referralId,
        now,
      );
    } finally {
      await syncQueue.close();
    }
  });
}

/** `replay` on an open connection and sync queue (the dashboard's Replay button). */
export async function requeueReferral(
  d: { redis: RedisConnection; prefix: string; syncQueue: Queue; attempts: number },
  referralId: string,
  now = new Date(),
  by = 'cli',
): Promise<string> {
  const k = keys(d.prefix);
  const parking = createRedisParkingLot(d.redis, d.prefix);
  // A mistyped id used to be queued, then fail in Partner Center (404) and be parked itself (#15).
  // Replay is for referrals this worker has seen: parked, pulled, or synced.
  const known =
    (await parking.has(referralId)) || (await d.redis.exists(k.referral(referralId), k.state(referralId))) > 0;
  if (!known) {
    throw new UnknownReferralError(
      `referral ${referralId} is not known here: it is not parked and no pull has seen it; check the id (\`referral-sync status\` lists parked referrals)`,
    );
  }
  await d.redis.del(k.referral(referralId));
  await parking.release(referralId);
  const jobId = `${syncJobId(referralId, 'replay')}-${now.getTime()}`;
  await d.syncQueue.add('sync', { referralId, eTag: 'replay' }, { ...syncJobOptions(d.attempts), jobId });
  // The referral's page follows this job: a replay that parks the referral again says so there.
  await parking.noteReplay(referralId, { at: now.toISOString(), by, jobId });
  return `queued ${referralId} for a fresh sync (job ${jobId})`;
}

/** The at-risk list from the stored referrals (what the last pull saw). */
export async function atRisk(
  env: AdminEnv,
  o: Pick<ExpiryOptions, 'levels' | 'timeZone' | 'isContactMe'>,
  withinHours: number | undefined,
  now = new Date(),
): Promise<AtRiskEntry[]> {
  return withRedis(env, (redis) =>
    atRiskList(
      {
        referrals: createRedisReferralStore(redis, env.REDIS_PREFIX),
        levels: o.levels,
        timeZone: o.timeZone,
        isContactMe: o.isContactMe,
      },
      now,
      { withinHours },
    ),
  );
}

/** `referral-sync history`: the referral's audit trail, oldest first. */
export async function history(env: AdminEnv, referralId: string): Promise<string> {
  return withRedis(env, async (redis) =>
    formatHistory(await createRedisOutboundStore(redis, env.REDIS_PREFIX).history(referralId)),
  );
}

/**
 * `referral-sync dismiss`: a parked referral a human decided not to fix (e.g. a test referral) is
 * taken off the parked list, recording who and why; `status` and the dashboard keep showing it
 * among the dismissed. Returns false when the referral is not parked.
 */
export async function dismiss(
  env: AdminEnv,
  referralId: string,
  by: { who: string; why: string },
  now = new Date(),
): Promise<boolean> {
  return withRedis(env, (redis) =>
    createRedisParkingLot(redis, env.REDIS_PREFIX).dismiss(referralId, { ...by, at: now.toISOString() }),
  );
}

/** `replay` of an id this worker has never seen (nothing was queued). */
export class UnknownReferralError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
