import type { RedisConnection } from './connection.ts';
import { z } from 'zod';
import type { ParkingLot } from '../../src/ports/state.ts';
import { keys } from './keys.ts';

const Parked = z.object({ referralId: z.string(), reason: z.string(), stage: z.string(), at: z.string() });

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
      await redis.multi().hdel(k.parked, referralId).zrem(k.parkedIndex, referralId).exec();
    },
    async has(referralId) {
      return (await redis.hexists(k.parked, referralId)) === 1;
    },
    async list(limit = 500) {
      const ids = await redis.zrevrange(k.parkedIndex, 0, limit - 1);
      if (ids.length === 0) return [];
      const rows = await redis.hmget(k.parked, ...ids);
      return rows.flatMap((row) => {
        if (row === null) return [];
        const parsed = Parked.safeParse(JSON.parse(row));
        return parsed.success ? [parsed.data] : [];
      });
    },
  };
}
