import type { Redis } from 'ioredis';
import type { CrmKind } from '../../src/ports/crm.ts';
import type { ReferralSyncState, SyncStateStore } from '../../src/ports/state.ts';
import { keys } from './keys.ts';

export function createRedisSyncStateStore(redis: Redis, prefix: string): SyncStateStore {
  const k = keys(prefix);
  return {
    async get(referralId) {
      const h = await redis.hgetall(k.state(referralId));
      if (!h.eTag || !h.crmId || !h.crm) return null;
      return {
        eTag: h.eTag,
        draftHash: h.draftHash ?? '',
        crm: h.crm as CrmKind,
        crmId: h.crmId,
        writtenBack: h.writtenBack === '1',
        syncedAt: h.syncedAt ?? '',
      };
    },
    async put(referralId, s: ReferralSyncState) {
      await redis.hset(k.state(referralId), {
        eTag: s.eTag,
        draftHash: s.draftHash,
        crm: s.crm,
        crmId: s.crmId,
        writtenBack: s.writtenBack ? '1' : '0',
        syncedAt: s.syncedAt,
      });
    },
  };
}
