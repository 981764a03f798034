import type { Redis } from 'ioredis';

/** What one run left in Redis, by kind of key, in bytes (MEMORY USAGE of every key under the prefix). */
export interface RedisBytes {
  /** INFO memory used_memory after the run minus before it (the shared Redis: others' keys move it too). */
  usedMemoryDelta: number;
  /** Sum of MEMORY USAGE over the run's keys. */
  total: number;
  keys: number;
  /** Bytes by key kind: BullMQ's job records and lists, our referral copies, sync state, the rest. */
  byKind: Record<string, { keys: number; bytes: number }>;
}

export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

const kindOf = (prefix: string, key: string): string => {
  const rest = key.slice(prefix.length + 1);
  if (rest.startsWith('sync:')) return 'bullmq sync queue';
  if (rest.startsWith('pull:')) return 'bullmq pull queue';
  if (rest.startsWith('ref:')) return 'referral copies';
  if (rest.startsWith('state:')) return 'sync state';
  return 'other';
};

/** Walks the prefix once (SCAN, then MEMORY USAGE pipelined 1 000 keys at a time). */
export async function redisBytes(redis: Redis, prefix: string, usedBefore: number): Promise<RedisBytes> {
  const out: RedisBytes = { usedMemoryDelta: (await usedMemory(redis)) - usedBefore, total: 0, keys: 0, byKind: {} };
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (found.length === 0) continue;
    const p = redis.pipeline();
    for (const k of found) p.memory('USAGE', k, 'SAMPLES', '0');
    const sizes = (await p.exec()) ?? [];
    found.forEach((k, i) => {
      const bytes = Number(sizes[i]?.[1] ?? 0);
      const kind = kindOf(prefix, k);
      const slot = (out.byKind[kind] ??= { keys: 0, bytes: 0 });
      slot.keys += 1;
      slot.bytes += bytes;
      out.total += bytes;
      out.keys += 1;
    });
  } while (cursor !== '0');
  return out;
}
