import { randomBytes } from 'node:crypto';
import type { RedisConnection } from './connection.ts';
import { parseStored } from './json.ts';
import { FailureDigest, FAILURE_KINDS, type DigestMemory, type FailureKind } from '../../src/alerts/failure-digest.ts';

/*
 * What failure alerts (issue 18) remember, shared by every worker process:
 *   <prefix>:alerts:reported   zset  incident id -> last time a tick still saw it (pruned after a week unseen)
 *   <prefix>:alerts:last-sent  hash  kind -> ISO time of the last digest that held it
 *   <prefix>:alerts:digest:<id> JSON of a digest, kept 30 days (the idempotency key is <id>)
 *   <prefix>:alerts:pending    zset  digests claimed but not yet delivered -> when their delivery was last queued
 *   <prefix>:alerts:lock       the tick's lock, so two workers never build two digests at once
 */

/** Incidents gone from their source for this long are forgotten (the set stays small). */
const FORGET_UNSEEN_MS = 7 * 24 * 3_600_000;
const DIGEST_TTL_S = 30 * 24 * 3600;

// Deletes the lock only if this holder still owns it (a slow tick must not free another's lock).
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export function createFailureAlertStore(redis: RedisConnection, prefix: string) {
  const k = {
    reported: `${prefix}:alerts:reported`,
    lastSent: `${prefix}:alerts:last-sent`,
    digest: (id: string) => `${prefix}:alerts:digest:${id}`,
    pending: `${prefix}:alerts:pending`,
    lock: `${prefix}:alerts:lock`,
  };
  return {
    /** Runs `fn` under the tick lock; null when another worker holds it (that worker does the work). */
    async withLock<T>(ttlMs: number, fn: () => Promise<T>): Promise<T | null> {
      const token = randomBytes(8).toString('hex');
      if ((await redis.set(k.lock, token, 'PX', ttlMs, 'NX')) !== 'OK') return null;
      try {
        return await fn();
      } finally {
        await redis.eval(RELEASE, 1, k.lock, token);
      }
    },

    /** What was reported, among `seen` (the incidents open now), and when each kind last went out. */
    async memory(seen: readonly string[], now: Date): Promise<DigestMemory> {
      const scores = seen.length === 0 ? [] : await redis.zmscore(k.reported, ...seen);
      const reported = new Set(seen.filter((_, i) => scores[i] !== null));
      if (reported.size > 0) {
        // Still open: keep them remembered (ZADD XX only refreshes, never adds).
        await redis.zadd(k.reported, 'XX', ...[...reported].flatMap((id) => [now.getTime(), id]));
      }
      await redis.zremrangebyscore(k.reported, '-inf', now.getTime() - FORGET_UNSEEN_MS);
      const sent = await redis.hgetall(k.lastSent);
      const lastSentAt: Partial<Record<FailureKind, string>> = {};
      for (const kind of FAILURE_KINDS) if (sent[kind]) lastSentAt[kind] = sent[kind];
      return { reported, lastSentAt };
    },

    /**
     * Records the digest as the one that covers `covered`. False when a digest with this id was
     * claimed before (another worker built the same one): nothing is recorded twice.
     */
    async claim(digest: FailureDigest, covered: readonly string[], now: Date): Promise<boolean> {
      if ((await redis.set(k.digest(digest.id), JSON.stringify(digest), 'EX', DIGEST_TTL_S, 'NX')) !== 'OK')
        return false;
      const tx = redis.multi().zadd(k.pending, now.getTime(), digest.id);
      if (covered.length > 0) tx.zadd(k.reported, ...covered.flatMap((id) => [now.getTime(), id]));
      for (const s of digest.sections) tx.hset(k.lastSent, s.kind, digest.at);
      await tx.exec();
      return true;
    },

    async digest(id: string): Promise<FailureDigest | null> {
      const raw = await redis.get(k.digest(id));
      if (raw === null) return null;
      const parsed = FailureDigest.safeParse(parseStored(raw));
      return parsed.success ? parsed.data : null;
    },

    /** Undelivered digests, with when their delivery was last queued (ms). */
    async pending(): Promise<{ id: string; queuedAt: number }[]> {
      const flat = await redis.zrange(k.pending, 0, -1, 'WITHSCORES');
      const out: { id: string; queuedAt: number }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) out.push({ id: flat[i] ?? '', queuedAt: Number(flat[i + 1]) });
      return out;
    },

    /** A delivery queued again at `now` (only while the digest is still pending). */
    async requeued(id: string, now: Date): Promise<void> {
      await redis.zadd(k.pending, 'XX', now.getTime(), id);
    },

    async delivered(id: string): Promise<void> {
      await redis.zrem(k.pending, id);
    },
  };
}
export type FailureAlertStore = ReturnType<typeof createFailureAlertStore>;
