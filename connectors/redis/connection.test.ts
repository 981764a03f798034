import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { connectRedis } from './connection.ts';

describe('connectRedis', () => {
  it('opens a single node by default', () => {
    const r = connectRedis({ url: 'redis://127.0.0.1:6390' }, { lazyConnect: true });
    expect(r).toBeInstanceOf(Redis);
    r.disconnect();
  });

  it('with REDIS_CLUSTER seeds a Cluster client from REDIS_URL, whose credentials and TLS apply to every node', () => {
    const c = connectRedis(
      { url: 'rediss://sync:p%40ss@cache.example:6380', cluster: true },
      { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: () => null },
    );
    expect(c).toBeInstanceOf(Cluster);
    const cluster = c as Cluster;
    expect((cluster as unknown as { startupNodes: unknown }).startupNodes).toEqual([
      { host: 'cache.example', port: 6380 },
    ]);
    expect(cluster.options.redisOptions).toMatchObject({
      username: 'sync',
      password: 'p@ss',
      tls: {},
      maxRetriesPerRequest: null,
    });
    expect(cluster.options.clusterRetryStrategy?.(1)).toBeNull();
    cluster.disconnect();
  });
});
