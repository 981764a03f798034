import type { RedisConnection } from './connection.ts';
import { Referral } from '../../src/domain/referral.ts';
import type { ReferralStore } from '../../src/ports/state.ts';
import { keys } from './keys.ts';
import { indexNames } from './referral-search.ts';

/** Latest copy of each referral as JSON, plus a status index for the expiry scan. */
export function createRedisReferralStore(redis: RedisConnection, prefix: string): ReferralStore {
  const k = keys(prefix);
  return {
    async putMany(referrals) {
      if (referrals.length === 0) return;
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
      // Written by putMany from an already-validated Referral; parse again to keep the type honest.
      return raw === null ? null : Referral.parse(JSON.parse(raw));
    },
    async idsWithStatus(status) {
      return redis.smembers(k.statusIndex(status));
    },
  };
}
