import type { RedisConnection } from './connection.ts';
import type { CrmKind } from '../../src/ports/crm.ts';
import type { ReferralSyncState, SyncStateStore } from '../../src/ports/state.ts';
import { keys } from './keys.ts';

/*
 * One hash per referral. The per-field hashes are kept one entry each (`fh:<field>`), not as one
 * JSON value: Redis keeps a hash whose values are all short (hash-max-listpack-value, 64 bytes)
 * in its compact listpack encoding, and one JSON value of ~400 bytes turned every state into a
 * full hash table, ~1 KB per referral (issue 19). State written as JSON by older versions is
 * still read.
 */
const FIELD = 'fh:';

export function createRedisSyncStateStore(redis: RedisConnection, prefix: string): SyncStateStore {
  const k = keys(prefix);
  return {
    async get(referralId) {
      const h = await redis.hgetall(k.state(referralId));
      if (!h.eTag || !h.crmId || !h.crm) return null;
      return {
        eTag: h.eTag,
        draftHash: h.draftHash ?? '',
        fieldHashes: fieldHashesOf(h),
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
      const fields: Record<string, string> = {
        eTag: s.eTag,
        draftHash: s.draftHash,
        // Emptied so an older version's JSON copy is not read instead of the entries below.
        fieldHashes: '',
        crm: s.crm,
        crmId: s.crmId,
        record: s.record ?? '',
        writtenBack: s.writtenBack ? '1' : '0',
        pendingOutcome: s.writtenBack ? '' : (s.pendingOutcome ?? ''),
        syncedAt: s.syncedAt,
        mappingVersion: s.mappingVersion === undefined ? '' : String(s.mappingVersion),
      };
      // A field the mapping no longer writes keeps its old entry: changedPart only looks at the
      // fields an update carries, so it is never read.
      for (const [name, hash] of Object.entries(s.fieldHashes ?? {})) fields[`${FIELD}${name}`] = hash;
      await redis.hset(k.state(referralId), fields);
    },
  };
}

/** Absent (state from before field hashes existed): undefined, and the next update is written in full. */
function fieldHashesOf(h: Record<string, string>): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(h)) {
    if (!key.startsWith(FIELD)) continue;
    (out ??= {})[key.slice(FIELD.length)] = value;
  }
  return out ?? parseLegacy(h.fieldHashes);
}

/** The JSON form older versions wrote; unreadable: undefined. */
function parseLegacy(text: string | undefined): Record<string, string> | undefined {
  if (!text) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    return Object.values(v).every((x) => typeof x === 'string') ? (v as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}
