import { z } from 'zod';
import type { RedisConnection } from './connection.ts';
import { parseStored } from './json.ts';
import type { ShareStore } from '../../src/ports/share-store.ts';

const Attempt = z.object({
  firstAttemptAt: z.string(),
  attempts: z.number().int(),
  referralId: z.string().optional(),
  kind: z.string().optional(),
  linkedAt: z.string().optional(),
  microsoftAnswer: z.string().optional(),
});

/** Share attempts (issue 16) in Redis: one JSON value per opportunity, kept for good (they are few). */
export function createRedisShareStore(redis: RedisConnection, prefix: string): ShareStore {
  const k = {
    attempt: (crm: string, id: string) => `${prefix}:share:${crm}:${id}`,
    refused: (crm: string, id: string) => `${prefix}:share-refused:${crm}:${id}`,
    awaiting: (crm: string) => `${prefix}:share-awaiting:${crm}`,
  };
  return {
    async attempt(crm, id) {
      const raw = await redis.get(k.attempt(crm, id));
      if (raw === null) return null;
      const parsed = Attempt.safeParse(parseStored(raw));
      // Unreadable means "something was sent": the caller looks it up rather than send blind.
      return parsed.success ? parsed.data : { firstAttemptAt: new Date(0).toISOString(), attempts: 1 };
    },
    async putAttempt(crm, id, attempt) {
      await redis.set(k.attempt(crm, id), JSON.stringify(attempt));
    },
    async clearAttempt(crm, id) {
      await redis.del(k.attempt(crm, id));
    },
    refused: (crm, id) => redis.get(k.refused(crm, id)),
    async putRefused(crm, id, version) {
      if (version === null) await redis.del(k.refused(crm, id));
      else await redis.set(k.refused(crm, id), version);
    },
    awaitingAnswer: (crm) => redis.smembers(k.awaiting(crm)),
    async setAwaiting(crm, id, awaiting) {
      if (awaiting) await redis.sadd(k.awaiting(crm), id);
      else await redis.srem(k.awaiting(crm), id);
    },
  };
}
