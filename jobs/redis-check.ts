import { connectRedis } from '../connectors/redis/connection.ts';

/**
 * Connects once with a short timeout. Returns a clear sentence when Redis is unreachable
 * (ioredis would otherwise retry forever in silence). The URL is shown without credentials.
 */
export async function checkRedis(
  url: string,
  timeoutMs = 3000,
  cluster = false,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const redis = connectRedis(
    { url, cluster },
    { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null },
  );
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return { ok: true };
  } catch {
    return {
      ok: false,
      message:
        `Redis is not reachable at ${safeUrl(url)}.\n` +
        'Start one with `redis-server --daemonize yes` (Debian/Ubuntu: apt-get install redis-server)\n' +
        'or `docker compose up -d redis`, or point REDIS_URL at yours.',
    };
  } finally {
    redis.disconnect();
  }
}

/** redis://user:pass@host:port/db → redis://host:port/db */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}
