import type { RedisConnection } from './connection.ts';
import { parseStored } from './json.ts';
import { z } from 'zod';
import type { ParkingLot } from '../../src/ports/state.ts';
import { keys } from './keys.ts';

const Parked = z.object({ referralId: z.string(), reason: z.string(), stage: z.string(), at: z.string() });
const Dismissed = Parked.extend({ dismissedBy: z.string(), dismissedWhy: z.string(), dismissedAt: z.string() });

const RELEASE = `if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then redis.call('ZREM', KEYS[2], ARGV[1]) end`;

/** Dead-letter store: one entry per referral (the latest reason), ordered by time. */
export function createRedisParkingLot(redis: RedisConnection, prefix: string): ParkingLot {
  const k = keys(prefix);
  return {
    async park(item) {
      await redis
        .multi()
        .hset(k.parked, item.referralId, JSON.stringify(item))
        .zadd(k.parkedIndex, Date.parse(item.at) || Date.now(), item.referralId)
        .exec();
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
