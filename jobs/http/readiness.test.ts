import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisPolicy } from './readiness.ts';

/** Just the calls redisPolicy makes; a managed Redis where CONFIG is disabled. */
const managedRedis = (info: string, ping: () => Promise<string> = async () => 'PONG') =>
  ({
    ping,
    config: async () => {
      throw new Error("ERR unknown command 'CONFIG'");
    },
    info: async () => info,
  }) as unknown as Redis;

describe('redisPolicy', () => {
  it('falls back to INFO memory when CONFIG GET is disabled, and says so', async () => {
    expect(await redisPolicy(managedRedis('# Memory\r\nused_memory:1\r\nmaxmemory_policy:noeviction\r\n'))).toEqual({
      reachable: true,
      policy: 'noeviction',
      source: 'info',
    });
    expect(await redisPolicy(managedRedis('maxmemory_policy:volatile-lru\r\n'))).toMatchObject({
      policy: 'volatile-lru',
      source: 'info',
    });
  });

  it('reports Redis unreachable when PING does not answer in time', async () => {
    const hanging = managedRedis('', () => new Promise<string>(() => undefined));
    expect(await redisPolicy(hanging, 50)).toEqual({
      reachable: false,
      policy: null,
      source: null,
      error: 'Redis did not answer within 50 ms',
    });
  });
});
