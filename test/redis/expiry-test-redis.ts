import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { deletePrefix } from '../../connectors/redis/connection.ts';

/** Test support: a client on the local Redis and a prefix no other test uses. */
export interface TestRedis {
  redis: Redis;
  prefix: string;
  /** A second connection, as another worker process would have. */
  connect(): Redis;
  /** Deletes every key under the prefix and closes all connections. */
  cleanup(): Promise<void>;
}

export function testRedis(): TestRedis {
  const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const clients: Redis[] = [];
  const connect = () => {
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    clients.push(client);
    return client;
  };
  const redis = connect();
  const prefix = `test-expiry-${randomUUID()}`;
  return {
    redis,
    prefix,
    connect,
    async cleanup() {
      await deletePrefix(redis, prefix);
      await Promise.all(clients.map((c) => c.quit()));
    },
  };
}
