import type { RedisConnection } from './connection.ts';
import type { CrmKind } from '../../src/ports/crm.ts';
import type { ReferralSyncState, SyncStateStore } from '../../src/ports/state.ts';
import { keys } from './keys.ts';

export function createRedisSyncStateStore(redis: RedisConnection, prefix: string): SyncStateStore {
  const k = keys(prefix);
  return {
    async get(referralId) {
      const h = await redis.hgetall(k.state(referralId));
      if (!h.eTag || !h.crmId || !h.crm) return null;
      return {
        eTag: h.eTag,
        draftHash: h.draftHash ?? '',
        fieldHashes: parseFieldHashes(h.fieldHashes),
        crm: h.crm as CrmKind,
        crmId: h.crmId,
        ...(h.record === 'lead' ? { record: 'lead' as const } : {}),
        writtenBack: h.writtenBack === '1',
        pendingOutcome: h.pendingOutcome === 'created' || h.pendingOutcome === 'updated' ? h.pendingOutcome : undefined,
        syncedAt: h.syncedAt ?? '',
        mappingVersion: h.mappingVersion ? Number(h.mappingVersion) : undefined,
      };
    },
    async put(referralId, s: ReferralSyncState) {
      await redis.hset(k.state(referralId), {
        eTag: s.eTag,
        draftHash: s.draftHash,
        fieldHashes: s.fieldHashes ? JSON.stringify(s.fieldHashes) : '',
        crm: s.crm,
        crmId: s.crmId,
        record: s.record ?? '',
        writtenBack: s.writtenBack ? '1' : '0',
        pendingOutcome: s.writtenBack ? '' : (s.pendingOutcome ?? ''),
        syncedAt: s.syncedAt,
        mappingVersion: s.mappingVersion === undefined ? '' : String(s.mappingVersion),
      });
    },
  };
}

/** Unreadable or absent: undefined, and the next update is written in full (as before hashes existed). */
function parseFieldHashes(text: string | undefined): Record<string, string> | undefined {
  if (!text) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    return Object.values(v).every((x) => typeof x === 'string') ? (v as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}
