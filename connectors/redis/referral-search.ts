import type { ChainableCommander } from 'ioredis';
import type { Referral } from '../../src/domain/referral.ts';
import type { RedisConnection } from './connection.ts';
import { keys } from './keys.ts';

/*
 * The dashboard's search by customer and deal name. Each stored referral's two names sit, lower-cased,
 * in one hash (id -> "deal\ncustomer"), written in the referral store's own transaction. A search
 * reads the hash in HSCAN chunks and matches in this process: Redis has no substring match on
 * values, and a search is a rare, human-paced request, while a full-text module (RediSearch) would
 * be one more thing every partner's Redis must have. 10 000 referrals are about 1 MB read per search.
 */

const SCAN_COUNT = 1000;

const normal = (s: string): string => s.normalize('NFKC').toLowerCase();

/** The indexed text of one referral. */
export const nameText = (r: Pick<Referral, 'name' | 'customerProfile'>): string =>
  normal(`${r.name ?? ''}\n${r.customerProfile?.name ?? ''}`);

/** Indexes one referral's names inside the caller's transaction. */
export function indexNames(tx: ChainableCommander, prefix: string, r: Referral): void {
  tx.hset(keys(prefix).referralNames, r.id, nameText(r));
}

/**
 * Referrals stored before this index existed: indexed once, on the first search that finds the
 * index empty while referrals are stored.
 */
async function backfill(redis: RedisConnection, prefix: string): Promise<void> {
  const k = keys(prefix);
  if ((await redis.hlen(k.referralNames)) > 0) return;
  const ids = await redis.hkeys(k.referralStatus);
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = await redis.mget(...chunk.map((id) => k.referral(id)));
    const tx = redis.pipeline();
    rows.forEach((row, j) => {
      const id = chunk[j];
      if (row === null || id === undefined) return;
      try {
        const r = JSON.parse(row) as Pick<Referral, 'name' | 'customerProfile'>;
        tx.hset(k.referralNames, id, nameText(r));
      } catch {
        // A copy that is not JSON is not ours to index.
      }
    });
    await tx.exec();
  }
}

/**
 * Ids of stored referrals whose deal or customer name contains every word of `query`
 * (case-insensitive), at most `limit`.
 */
export async function searchByName(
  redis: RedisConnection,
  prefix: string,
  query: string,
  limit = 50,
): Promise<string[]> {
  const words = normal(query)
    .split(/\s+/)
    .filter((w) => w !== '');
  if (words.length === 0) return [];
  await backfill(redis, prefix);
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan(keys(prefix).referralNames, cursor, 'COUNT', SCAN_COUNT);
    cursor = next;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const text = flat[i + 1] ?? '';
      if (words.every((w) => text.includes(w))) found.push(flat[i] ?? '');
    }
  } while (cursor !== '0' && found.length < limit);
  return found.slice(0, limit);
}

/** Whether a parked entry's names (a referral failing validation is not stored) match the query. */
export function namesMatch(query: string, names: { dealName?: string | undefined; customerName?: string | undefined }) {
  const words = normal(query)
    .split(/\s+/)
    .filter((w) => w !== '');
  const text = normal(`${names.dealName ?? ''}\n${names.customerName ?? ''}`);
  return words.length > 0 && words.every((w) => text.includes(w));
}
