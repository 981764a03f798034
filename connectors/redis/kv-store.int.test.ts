import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisKeyValueStore } from './kv-store.ts';

// Real Redis on loopback (.ci/run starts one); a fresh prefix per run, deleted afterwards.
const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const prefix = `test-kv-${randomUUID()}`;

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('Redis KeyValueStore', () => {
  it('returns null for a missing key, then what was set, under the prefix', async () => {
    const kv = createRedisKeyValueStore(redis, prefix);
    expect(await kv.get('msal-cache')).toBeNull();
    const blob = `rsc1.${randomBytes(300).toString('base64url')}`;
    await kv.set('msal-cache', blob);
    expect(await kv.get('msal-cache')).toBe(blob);
    expect(await redis.get(`${prefix}:msal-cache`)).toBe(blob);
  });
});
