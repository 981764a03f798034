import { randomUUID } from 'node:crypto';
import type { RedisConnection } from './connection.ts';

// Deletes / extends the lock only if we still own it (a lease that ran out may be someone else's).
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/**
 * A per-referral lease so two jobs (two versions of one referral, or two workers) never sync the
 * same referral at the same time. The holder renews it while working; a worker killed while
 * holding it leaves a lease that runs out within `leaseMs`, so the referral is not stuck.
 */
export function createReferralLock(redis: RedisConnection, prefix: string, leaseMs = 10_000) {
  return {
    /** Runs fn while holding the referral's lease; returns { ran: false } when someone else holds it. */
    async tryWith<T>(referralId: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
      const key = `${prefix}:lock:${referralId}`;
      const token = randomUUID();
      const got = await redis.set(key, token, 'PX', leaseMs, 'NX');
      if (got !== 'OK') return { ran: false };
      const renew = setInterval(
        () => {
          redis.eval(RENEW, 1, key, token, String(leaseMs)).catch(() => undefined);
        },
        Math.max(100, Math.floor(leaseMs / 3)),
      );
      try {
        return { ran: true, value: await fn() };
      } finally {
        clearInterval(renew);
        await redis.eval(RELEASE, 1, key, token);
      }
    },
  };
}
export type ReferralLock = ReturnType<typeof createReferralLock>;
