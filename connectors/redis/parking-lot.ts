import type { RedisConnection } from './connection.ts';
import { parseStored } from './json.ts';
import { z } from 'zod';
import type { ParkingLot } from '../../src/ports/state.ts';
import { keys } from './keys.ts';
import { countInto } from './queue-series.ts';

const Parked = z.object({
  referralId: z.string(),
  reason: z.string(),
  stage: z.string(),
  at: z.string(),
  field: z.string().optional(),
  value: z.string().optional(),
  attempts: z.number().optional(),
  dealName: z.string().optional(),
  customerName: z.string().optional(),
});
const Dismissed = Parked.extend({ dismissedBy: z.string(), dismissedWhy: z.string(), dismissedAt: z.string() });
const Event = z.discriminatedUnion('kind', [
  Parked.extend({ kind: z.literal('parked') }),
  z.object({ kind: z.literal('replayed'), referralId: z.string(), at: z.string(), by: z.string(), jobId: z.string() }),
]);

/** Parks and replays kept per referral: enough to tell a referral that keeps failing. */
const LOG_LENGTH = 30;
/** A referral's history outlives its parked entry (a replay releases it) for some weeks. */
const LOG_TTL_S = 45 * 24 * 3600;

/** Entries stored before the optional fields existed have none; JSON has no `undefined`. */
const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const RELEASE = `if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then redis.call('ZREM', KEYS[2], ARGV[1]) end`;

/** Dead-letter store: one entry per referral (the latest reason), ordered by time. */
export function createRedisParkingLot(redis: RedisConnection, prefix: string): ParkingLot {
  const k = keys(prefix);
  return {
    async park(item) {
      const at = Date.parse(item.at) || Date.now();
      // A pull re-reads its overlap: the same broken item parked again for the same reason is
      // the same park, not a new attempt in its history or the park rate.
      const before = await redis.hget(k.parked, item.referralId);
      const prior = before === null ? null : Parked.safeParse(parseStored(before));
      if (prior?.success && prior.data.stage === item.stage && prior.data.reason === item.reason) return;
      const entry = JSON.stringify(defined(item));
      const tx = redis
        .multi()
        .hset(k.parked, item.referralId, entry)
        .zadd(k.parkedIndex, at, item.referralId)
        .rpush(k.parkLog(item.referralId), JSON.stringify({ kind: 'parked', ...defined(item) }))
        .ltrim(k.parkLog(item.referralId), -LOG_LENGTH, -1)
        .expire(k.parkLog(item.referralId), LOG_TTL_S);
      // The park rate on the dashboard's chart: counted in this transaction, no extra round trip.
      countInto(tx, prefix, 'parked', at);
      await tx.exec();
    },
    async noteReplay(referralId, replay) {
      await redis
        .multi()
        .rpush(k.parkLog(referralId), JSON.stringify({ kind: 'replayed', referralId, ...replay }))
        .ltrim(k.parkLog(referralId), -LOG_LENGTH, -1)
        .expire(k.parkLog(referralId), LOG_TTL_S)
        .exec();
    },
    async history(referralId) {
      const rows = await redis.lrange(k.parkLog(referralId), 0, -1);
      return rows.flatMap((row) => {
        const parsed = Event.safeParse(parseStored(row));
        return parsed.success ? [parsed.data] : [];
      });
    },
    async release(referralId) {
      // Called by every successful sync: one script, and a never-parked referral (nearly all of
      // them) costs one HDEL and no transaction (issue 19).
      await redis.eval(RELEASE, 2, k.parked, k.parkedIndex, referralId);
    },
    async has(referralId) {
      return (await redis.hexists(k.parked, referralId)) === 1;
    },
    async dismiss(referralId, by) {
      const row = await redis.hget(k.parked, referralId);
      const parsed = row === null ? null : Parked.safeParse(parseStored(row));
      if (!parsed?.success) return false;
      const entry = { ...parsed.data, dismissedBy: by.who, dismissedWhy: by.why, dismissedAt: by.at };
      await redis
        .multi()
        .hdel(k.parked, referralId)
        .zrem(k.parkedIndex, referralId)
        .hset(k.dismissed, referralId, JSON.stringify(entry))
        .zadd(k.dismissedIndex, Date.parse(by.at) || Date.now(), referralId)
        .exec();
      return true;
    },
    async dismissed(limit = 200) {
      const ids = await redis.zrevrange(k.dismissedIndex, 0, limit - 1);
      if (ids.length === 0) return [];
      const rows = await redis.hmget(k.dismissed, ...ids);
      return rows.flatMap((row) => {
        if (row === null) return [];
        const parsed = Dismissed.safeParse(parseStored(row));
        return parsed.success ? [parsed.data] : [];
      });
    },
    async list(limit = 500) {
      const ids = await redis.zrevrange(k.parkedIndex, 0, limit - 1);
      if (ids.length === 0) return [];
      const rows = await redis.hmget(k.parked, ...ids);
      return rows.flatMap((row) => {
        if (row === null) return [];
        const parsed = Parked.safeParse(parseStored(row));
        return parsed.success ? [parsed.data] : [];
      });
    },
  };
}
