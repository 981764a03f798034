import type { RedisConnection } from '../../connectors/redis/connection.ts';

/**
 * The referral whose sync state holds this CRM record id. There is no reverse index, so this
 * walks the sync states (SCAN, pipelined reads): fine for a person's search, not for a hot path.
 */
export async function findByCrmId(redis: RedisConnection, prefix: string, crmId: string): Promise<string | null> {
  const head = `${prefix}:state:`;
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${head}*`, 'COUNT', 1000);
    cursor = next;
    if (found.length === 0) continue;
    const p = redis.pipeline();
    for (const key of found) p.hget(key, 'crmId');
    const replies = (await p.exec()) ?? [];
    const i = replies.findIndex(([, value]) => value === crmId);
    const key = i >= 0 ? found[i] : undefined;
    if (key) return key.slice(head.length);
  } while (cursor !== '0');
  return null;
}
