import type { RedisConnection } from '../../connectors/redis/connection.ts';
import { keys } from '../../connectors/redis/keys.ts';
import type { DashboardSource } from './source.ts';

/** Referrals by last known status and by the CRM they were synced to (`none`: not yet). */
export type PipelineCounts = Record<string, Record<string, number>>;

const CHUNK = 1000;

/**
 * One pass over the status hash and each referral's sync state (pipelined in chunks). O(referrals),
 * so callers cache it (see `cached`); 100k referrals read in well under a second.
 */
export async function pipelineCounts(redis: RedisConnection, prefix: string): Promise<PipelineCounts> {
  const k = keys(prefix);
  const byId = await redis.hgetall(k.referralStatus);
  const ids = Object.keys(byId);
  const out: PipelineCounts = {};
  for (let i = 0; i < ids.length; i += CHUNK) {
    const slice = ids.slice(i, i + CHUNK);
    const p = redis.pipeline();
    for (const id of slice) p.hget(k.state(id), 'crm');
    const replies = (await p.exec()) ?? [];
    slice.forEach((id, j) => {
      const status = byId[id] ?? 'unknown';
      const crmReply = replies[j]?.[1];
      const crm = typeof crmReply === 'string' && crmReply !== '' ? crmReply : 'none';
      const row = (out[status] ??= {});
      row[crm] = (row[crm] ?? 0) + 1;
    });
  }
  return out;
}

/** Alerts marked done in the expiry ledger, by alert name (72h, 24h, 4h, contact-me, expired). */
export async function expiryAlertsFired(redis: RedisConnection, prefix: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:expiry:r:*`, 'COUNT', CHUNK);
    cursor = next;
    if (found.length === 0) continue;
    const p = redis.pipeline();
    for (const key of found) p.hgetall(key);
    for (const [, value] of (await p.exec()) ?? []) {
      if (!value || typeof value !== 'object') continue;
      for (const [field, state] of Object.entries(value as Record<string, unknown>)) {
        if (field.startsWith('s:') && state === 'done') out[field.slice(2)] = (out[field.slice(2)] ?? 0) + 1;
      }
    }
  } while (cursor !== '0');
  return out;
}

export interface SyncLag {
  /** now − pull checkpoint, seconds; null before the first pull. */
  pullLagSeconds: number | null;
  pullCheckpoint: string | null;
  /** Per CRM: now − the outbound poll cursor's modstamp. */
  crmPoll: { crm: string; cursor: string | null; lagSeconds: number | null }[];
}

export async function syncLag(source: DashboardSource): Promise<SyncLag> {
  const now = source.clock.now().getTime();
  const mark = await source.checkpoint.get();
  const crmPoll = await Promise.all(
    source.crmKinds.map(async (crm) => {
      const c = await source.outbound.cursor(crm);
      const at = c ? Date.parse(c.modstamp) : Number.NaN;
      return { crm, cursor: c?.modstamp ?? null, lagSeconds: Number.isNaN(at) ? null : Math.max(0, (now - at) / 1000) };
    }),
  );
  return {
    pullLagSeconds: mark ? Math.max(0, (now - mark.getTime()) / 1000) : null,
    pullCheckpoint: mark ? mark.toISOString() : null,
    crmPoll,
  };
}

/** Remembers a slow read for `ttlMs`; concurrent callers share one read in flight. */
export function cached<T>(ttlMs: number, read: () => Promise<T>, now: () => number = Date.now): () => Promise<T> {
  let value: { at: number; promise: Promise<T> } | undefined;
  return () => {
    if (!value || now() - value.at > ttlMs) {
      const promise = read();
      const entry = { at: now(), promise };
      value = entry;
      // A failed read is not remembered: the next caller tries again.
      promise.catch(() => {
        if (value === entry) value = undefined;
      });
    }
    return value.promise;
  };
}
