import { Cluster, Redis, type RedisOptions } from 'ioredis';

/*
 * One place that opens Redis connections: a single node, or Redis Cluster (REDIS_CLUSTER=true).
 * With Cluster, REDIS_URL names one node to discover the others from; its credentials and TLS
 * (rediss://) apply to every node. Keys stay in one slot through the hash tag in REDIS_PREFIX
 * (checked in src/config/env.ts), which BullMQ's multi-key scripts and our transactions need.
 */

export type RedisConnection = Redis | Cluster;

export interface RedisTarget {
  url: string;
  cluster?: boolean | undefined;
}

export function connectRedis(target: RedisTarget, options: RedisOptions = {}): RedisConnection {
  if (!target.cluster) return new Redis(target.url, options);
  const u = new URL(target.url);
  const { enableAutoPipelining, lazyConnect, retryStrategy, ...nodeOptions } = options;
  return new Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], {
    ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    // A single node's reconnect policy applies to the cluster as a whole.
    ...(retryStrategy === undefined ? {} : { clusterRetryStrategy: (times: number) => retryStrategy?.(times) ?? null }),
    redisOptions: {
      ...nodeOptions,
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  });
}

/**
 * Deletes every key under `prefix:` (the demo's reset, test cleanup); returns how many. SCAN
 * walks one node, so on a cluster every master is walked.
 */
export async function deletePrefix(redis: RedisConnection, prefix: string): Promise<number> {
  let deleted = 0;
  for (const node of mastersOf(redis)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) deleted += await node.del(...found);
    } while (cursor !== '0');
  }
  return deleted;
}

/** The master nodes to ask about server settings (a single node is its own master). */
export function mastersOf(redis: RedisConnection): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}
