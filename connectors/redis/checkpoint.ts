import type { RedisConnection } from './connection.ts';
import type { Checkpoint } from '../../src/ports/state.ts';
import { keys } from './keys.ts';

// Sets the key to ARGV[1] (epoch ms) only when it is greater than the stored value.
const ADVANCE = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1]) return 1 end
return 0`;

export function createRedisCheckpoint(redis: RedisConnection, prefix: string, name: string): Checkpoint {
  const key = keys(prefix).checkpoint(name);
  return {
    async get() {
      const v = await redis.get(key);
      return v === null ? null : new Date(Number(v));
    },
    async advance(to) {
      await redis.eval(ADVANCE, 1, key, String(to.getTime()));
    },
  };
}
