import { randomUUID } from 'node:crypto';
import type { RedisConnection } from './connection.ts';
import {
  ALERT_EFFECTS,
  type AlertEffect,
  type ClaimResult,
  type ExpiryLedger,
  type LedgerView,
} from '../../src/ports/expiry-ledger.ts';

/*
 * Layout, one hash per referral `<prefix>:expiry:r:<referralId>`:
 *   s:<alert>            'claimed' | 'done' | 'cancelled'
 *   t:<alert>, l:<alert> claim token and lease end (epoch ms) while claimed
 *   d:<alert>            epoch ms it was done
 *   e:<alert>:<effect>   epoch ms the effect succeeded
 *   closed               'responded' | 'expired' once closed
 * and one set `<prefix>:expiry:tracked` of referral ids the scan revisits.
 * Every state change that decides something is one Lua script, so it is atomic with the read it
 * depends on. The scripts touch two keys: on Redis Cluster give the prefix a hash tag (`{rsync}`).
 */

// KEYS: hash, tracked. ARGV: alert, token, now, leaseUntil, referralId, effect names...
const CLAIM = `
if redis.call('HEXISTS', KEYS[1], 'closed') == 1 then return {'closed'} end
local st = redis.call('HGET', KEYS[1], 's:' .. ARGV[1])
if st == 'done' then return {'done'} end
if st == 'cancelled' then return {'closed'} end
if st == 'claimed' and tonumber(redis.call('HGET', KEYS[1], 'l:' .. ARGV[1]) or '0') > tonumber(ARGV[3]) then
  return {'busy'}
end
redis.call('HSET', KEYS[1], 's:' .. ARGV[1], 'claimed', 't:' .. ARGV[1], ARGV[2], 'l:' .. ARGV[1], ARGV[4])
redis.call('SADD', KEYS[2], ARGV[5])
local out = {'claimed'}
for i = 6, #ARGV do
  local at = redis.call('HGET', KEYS[1], 'e:' .. ARGV[1] .. ':' .. ARGV[i])
  if at then table.insert(out, ARGV[i]); table.insert(out, at) end
end
return out`;

// KEYS: hash. ARGV: alert, token, now.
const COMPLETE = `
local st = redis.call('HGET', KEYS[1], 's:' .. ARGV[1])
if st == 'done' then return 1 end
if st ~= 'claimed' or redis.call('HGET', KEYS[1], 't:' .. ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 's:' .. ARGV[1], 'done', 'd:' .. ARGV[1], ARGV[3])
redis.call('HDEL', KEYS[1], 't:' .. ARGV[1], 'l:' .. ARGV[1])
return 1`;

// KEYS: hash. ARGV: alert, token.
const RELEASE = `
if redis.call('HGET', KEYS[1], 's:' .. ARGV[1]) == 'claimed' and redis.call('HGET', KEYS[1], 't:' .. ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], 's:' .. ARGV[1], 't:' .. ARGV[1], 'l:' .. ARGV[1])
  return 1
end
return 0`;

// KEYS: hash, tracked. ARGV: now, referralId, alerts... Effects as one alert records when done.
const RECORD_APPLIED = `
if redis.call('HEXISTS', KEYS[1], 'closed') == 1 then return 0 end
for i = 3, #ARGV do
  local a = ARGV[i]
  if redis.call('HSETNX', KEYS[1], 's:' .. a, 'done') == 1 then
    redis.call('HSET', KEYS[1], 'd:' .. a, ARGV[1], 'e:' .. a .. ':crm', ARGV[1], 'e:' .. a .. ':webhook-posted', ARGV[1])
  end
end
redis.call('SADD', KEYS[2], ARGV[2])
return 1`;

// KEYS: hash, tracked. ARGV: reason, referralId, retentionSeconds.
const CLOSE = `
redis.call('HSETNX', KEYS[1], 'closed', ARGV[1])
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 's:' and all[i + 1] == 'claimed' then redis.call('HSET', KEYS[1], all[i], 'cancelled') end
end
redis.call('SREM', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1`;

export interface RedisExpiryLedgerOptions {
  redis: RedisConnection;
  /** Key prefix, e.g. env REDIS_PREFIX. Tests pass a unique one each. */
  prefix: string;
  /**
   * How long a claim shuts other workers out. Must exceed the slowest CRM call plus the enqueue
   * (a CRM call is bounded by its HTTP timeout, well under a minute); after it, a claim left by a
   * dead worker is taken again. Default 10 min.
   */
  leaseMs?: number;
  /** How long a closed referral's record is kept, so a stale New copy cannot re-fire it. Default 60 days. */
  retentionMs?: number;
}

const isEffect = (value: unknown): value is AlertEffect => ALERT_EFFECTS.some((e) => e === value);

/** ExpiryLedger over one Redis hash per referral. Safe across processes sharing the Redis. */
export function createRedisExpiryLedger(options: RedisExpiryLedgerOptions): ExpiryLedger {
  const { redis, prefix } = options;
  const leaseMs = options.leaseMs ?? 10 * 60_000;
  const retentionSeconds = Math.ceil((options.retentionMs ?? 60 * 24 * 3_600_000) / 1000);
  const hashKey = (referralId: string) => `${prefix}:expiry:r:${referralId}`;
  const trackedKey = `${prefix}:expiry:tracked`;

  return {
    async read(referralId): Promise<LedgerView> {
      const all = await redis.hgetall(hashKey(referralId));
      const fired = new Set<string>();
      for (const [field, value] of Object.entries(all)) {
        if (field.startsWith('s:') && value === 'done') fired.add(field.slice(2));
      }
      return { fired, closed: all.closed ?? null, known: Object.keys(all).length > 0 };
    },

    async claim(referralId, alert, now): Promise<ClaimResult> {
      const token = randomUUID();
      const reply = await redis.eval(
        CLAIM,
        2,
        hashKey(referralId),
        trackedKey,
        alert,
        token,
        String(now.getTime()),
        String(now.getTime() + leaseMs),
        referralId,
        ...ALERT_EFFECTS,
      );
      const [status, ...pairs] = Array.isArray(reply) ? reply.map(String) : [];
      if (status === 'claimed') {
        const effectsAt = new Map<AlertEffect, Date>();
        for (let i = 0; i + 1 < pairs.length; i += 2) {
          const effect = pairs[i];
          if (isEffect(effect)) effectsAt.set(effect, new Date(Number(pairs[i + 1])));
        }
        return { status, token, effectsDone: new Set(effectsAt.keys()), effectsAt };
      }
      if (status === 'busy' || status === 'done' || status === 'closed') return { status };
      throw new Error(`expiry ledger: unexpected claim reply ${String(status)}`);
    },

    async markEffectDone(referralId, alert, effect, now) {
      await redis.hsetnx(hashKey(referralId), `e:${alert}:${effect}`, String(now.getTime()));
    },

    async effectsDone(referralId, alert) {
      const values = await redis.hmget(hashKey(referralId), ...ALERT_EFFECTS.map((e) => `e:${alert}:${e}`));
      return new Set(ALERT_EFFECTS.filter((_, i) => values[i] !== null && values[i] !== undefined));
    },

    async complete(referralId, alert, token, now) {
      return (await redis.eval(COMPLETE, 1, hashKey(referralId), alert, token, String(now.getTime()))) === 1;
    },

    async release(referralId, alert, token) {
      await redis.eval(RELEASE, 1, hashKey(referralId), alert, token);
    },

    async recordApplied(referralId, alerts, now) {
      if (alerts.length === 0) return;
      await redis.eval(
        RECORD_APPLIED,
        2,
        hashKey(referralId),
        trackedKey,
        String(now.getTime()),
        referralId,
        ...alerts,
      );
    },

    async track(referralIds) {
      // Chunked: SADD with tens of thousands of arguments blocks Redis for a noticeable moment.
      for (let i = 0; i < referralIds.length; i += 1000) {
        await redis.sadd(trackedKey, ...referralIds.slice(i, i + 1000));
      }
    },

    async trackedIds() {
      return redis.smembers(trackedKey);
    },

    async close(referralId, reason) {
      await redis.eval(CLOSE, 2, hashKey(referralId), trackedKey, reason, referralId, String(retentionSeconds));
    },
  };
}
