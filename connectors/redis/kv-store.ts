import type { RedisConnection } from './connection.ts';
import type { KeyValueStore } from '../shared/key-value-store.ts';

/**
 * KeyValueStore over an ioredis client the caller owns (and closes). Keys are prefixed so the
 * token cache sits beside the queues under REDIS_PREFIX, e.g. `rsync:msal-cache`.
 */
export function createRedisKeyValueStore(redis: RedisConnection, prefix: string): KeyValueStore {
  const full = (key: string): string => `${prefix}:${key}`;
  return {
    get: (key) => redis.get(full(key)),
    set: async (key, value) => {
      await redis.set(full(key), value);
    },
  };
}
