import type { RedisConnection } from './connection.ts';
import type { Referral } from '../../src/domain/referral.ts';
import type { ReferralStore } from '../../src/ports/state.ts';
import { keys } from './keys.ts';
import { indexNames } from './referral-search.ts';

/** Latest copy of each referral as JSON, plus a status index for the expiry scan. */
export function createRedisReferralStore(redis: RedisConnection, prefix: string): ReferralStore {
  const k = keys(prefix);
  return {
    async putMany(referrals, opts) {
      if (referrals.length === 0) return;
      if (opts?.statusUnchanged === true) {
        // One SET per referral, no read and no transaction: the status and its index stay as stored.
        await Promise.all(referrals.map((r) => redis.set(k.referral(r.id), JSON.stringify(r))));
        return;
      }
      const ids = referrals.map((r) => r.id);
      const previous = await redis.hmget(k.referralStatus, ...ids);
      const tx = redis.multi();
      referrals.forEach((r, i) => {
        const before = previous[i];
        if (before && before !== r.status) tx.srem(k.statusIndex(before), r.id);
        tx.set(k.referral(r.id), JSON.stringify(r));
        tx.hset(k.referralStatus, r.id, r.status);
        tx.sadd(k.statusIndex(r.status), r.id);
        indexNames(tx, prefix, r);
      });
      await tx.exec();
    },
    async get(id) {
      const raw = await redis.get(k.referral(id));
      // Only putMany writes it, from a Referral already validated at the Partner Center boundary;
      // validating our own write again cost a zod parse per sync job (issue 19).
      return raw === null ? null : (JSON.parse(raw) as Referral);
    },
    async idsWithStatus(status) {
      return redis.smembers(k.statusIndex(status));
    },
  };
}
