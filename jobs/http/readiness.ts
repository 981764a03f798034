import { mastersOf, type RedisConnection } from '../../connectors/redis/connection.ts';
import type { DashboardSource } from './source.ts';
import { createStateEpoch, type StateLoss } from '../../connectors/redis/state-epoch.ts';

export interface RedisPolicy {
  reachable: boolean;
  policy: string | null;
  /** Where the policy was read: CONFIG GET, or INFO memory where CONFIG is disabled (managed Redis). */
  source: 'config' | 'info' | null;
  error?: string;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const short = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 200);

/**
 * Redis's eviction policy. BullMQ needs `noeviction`: an evicting Redis silently drops job keys.
 * The worker's connection retries forever while Redis is down, so every call here is bounded.
 */
export async function redisPolicy(redis: RedisConnection, timeoutMs = 2000): Promise<RedisPolicy> {
  const masters = mastersOf(redis);
  if (masters.length <= 1) return nodePolicy(masters[0] ?? redis, timeoutMs);
  // Redis Cluster: every master holds queue keys, so the first one not on noeviction decides.
  const policies = await Promise.all(masters.map((m) => nodePolicy(m, timeoutMs)));
  return policies.find((p) => !p.reachable || p.policy !== 'noeviction') ?? (policies[0] as RedisPolicy);
}

async function nodePolicy(redis: RedisConnection, timeoutMs: number): Promise<RedisPolicy> {
  try {
    await withTimeout(redis.ping(), timeoutMs, 'Redis');
  } catch (err) {
    return { reachable: false, policy: null, source: null, error: short(err) };
  }
  try {
    const reply = await withTimeout(redis.config('GET', 'maxmemory-policy'), timeoutMs, 'CONFIG GET');
    const value = Array.isArray(reply) ? reply[1] : undefined;
    if (typeof value === 'string') return { reachable: true, policy: value, source: 'config' };
  } catch {
    // CONFIG is often renamed or disabled on managed Redis; INFO memory carries the same value.
  }
  try {
    const info = await withTimeout(redis.info('memory'), timeoutMs, 'INFO');
    const m = /^maxmemory_policy:(\S+)/m.exec(info);
    return m?.[1]
      ? { reachable: true, policy: m[1], source: 'info' }
      : { reachable: true, policy: null, source: null, error: 'policy not reported' };
  } catch (err) {
    return { reachable: true, policy: null, source: null, error: short(err) };
  }
}

export interface Readiness {
  ready: boolean;
  redis: RedisPolicy & { ok: boolean };
  /** Queues paused because a connection's credentials failed (not ones an operator paused). */
  pausedByCredentials: { connection: string; reason: string; queues: readonly string[] }[];
  /** Every paused queue, whoever paused it (informational). */
  pausedQueues: string[];
  /**
   * The last time Redis was found to have lost its data (issue 12). Not ready from the moment a
   * worker notices until the full pull it queued has finished.
   */
  stateLoss: StateLoss | null;
}

export async function readiness(source: DashboardSource): Promise<Readiness> {
  const redis = await redisPolicy(source.redis);
  const redisOk = redis.reachable && redis.policy === 'noeviction';
  let credentials: Awaited<ReturnType<NonNullable<DashboardSource['credentials']>>> = [];
  try {
    credentials = (await source.credentials?.()) ?? [];
  } catch {
    credentials = [
      {
        name: 'credential-check',
        ok: false,
        reason: 'the credential health check failed',
        checkedAt: source.clock.now().toISOString(),
      },
    ];
  }
  const pausedByCredentials = credentials
    .filter((c) => !c.ok && (c.pausedQueues?.length ?? 0) > 0)
    .map((c) => ({ connection: c.name, reason: c.reason ?? 'credentials failed', queues: c.pausedQueues ?? [] }));
  const pausedQueues: string[] = [];
  if (redis.reachable) {
    for (const q of source.queues) {
      if (await withTimeout(q.isPaused(), 2000, 'Redis').catch(() => false)) pausedQueues.push(q.name);
    }
  }
  const stateLoss = redis.reachable
    ? await withTimeout(createStateEpoch(source.redis, source.prefix).loss(), 2000, 'Redis').catch(() => null)
    : null;
  const rebuilding = stateLoss !== null && stateLoss.recoveredAt === undefined;
  return {
    ready: redisOk && pausedByCredentials.length === 0 && !rebuilding,
    redis: { ...redis, ok: redisOk },
    pausedByCredentials,
    pausedQueues,
    stateLoss,
  };
}
