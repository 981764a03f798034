import type { RedisConnection } from './connection.ts';
import { createRedisCheckpoint } from './checkpoint.ts';
import { createRedisOutboundStore } from './outbound-store.ts';
import { createRedisParkingLot } from './parking-lot.ts';
import { createReferralLock } from './referral-lock.ts';
import { createRedisReferralStore } from './referral-store.ts';
import { createRedisShareStore } from './share-store.ts';
import { createStateEpoch } from './state-epoch.ts';
import { createRedisSyncStateStore } from './sync-state-store.ts';

/** Every store a worker process uses, on one connection under one key prefix. */
export function createRedisStores(redis: RedisConnection, prefix: string) {
  return {
    referrals: createRedisReferralStore(redis, prefix),
    state: createRedisSyncStateStore(redis, prefix),
    parking: createRedisParkingLot(redis, prefix),
    /** The pull's high-water mark. */
    checkpoint: createRedisCheckpoint(redis, prefix, 'pull'),
    outbound: createRedisOutboundStore(redis, prefix),
    share: createRedisShareStore(redis, prefix),
    lock: createReferralLock(redis, prefix),
    epoch: createStateEpoch(redis, prefix),
  };
}
export type RedisStores = ReturnType<typeof createRedisStores>;
