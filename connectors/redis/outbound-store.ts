import type { RedisConnection } from './connection.ts';
import { z } from 'zod';
import { AuditEntry } from '../../src/outbound/audit.ts';
import { CrmSnapshot } from '../../src/outbound/crm-snapshot.ts';
import { mergePushed, PushedValues } from '../../src/outbound/snapshot-values.ts';
import { AUDIT_LIMIT, type OutboundStore } from '../../src/ports/outbound-store.ts';

const Written = z.object({ status: z.string(), substatus: z.string().nullable(), stage: z.string().optional() });
const Cursor = z.object({ modstamp: z.string(), id: z.string() });

const parseJson = <T>(schema: z.ZodType<T>, raw: string | null): T | null => {
  if (raw === null) return null;
  const parsed = schema.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : null;
};

export const outboundKeys = (prefix: string) => ({
  pushed: (id: string) => `${prefix}:out:pushed:${id}`,
  written: (id: string) => `${prefix}:out:written:${id}`,
  snapshot: (id: string) => `${prefix}:out:snap:${id}`,
  audit: (id: string) => `${prefix}:audit:${id}`,
  cursor: (crm: string) => `${prefix}:out:cursor:${crm}`,
  message: (id: string) => `${prefix}:out:msg:${id}`,
  /** Hash referral id -> JSON { at, decision }: the seller's accept/decline as first pushed (issue 18). */
  answered: `${prefix}:answered`,
});

const isAnswer = (e: AuditEntry) =>
  e.side === 'crm' && e.result === 'pushed' && (e.action === 'accept' || e.action === 'decline');

export function createRedisOutboundStore(redis: RedisConnection, prefix: string): OutboundStore {
  const k = outboundKeys(prefix);
  return {
    async lastPushed(id) {
      return parseJson(PushedValues, await redis.get(k.pushed(id)));
    },
    // Read-merge-write without WATCH: every caller holds the referral's lease (referral-lock.ts),
    // so no two writers touch one referral's values at once.
    async rememberPushed(id, values) {
      const current = parseJson(PushedValues, await redis.get(k.pushed(id)));
      await redis.set(k.pushed(id), JSON.stringify(mergePushed(current, values)));
    },
    async lastWritten(id) {
      const w = parseJson(Written, await redis.get(k.written(id)));
      if (!w) return null;
      return w.stage === undefined
        ? { status: w.status, substatus: w.substatus }
        : { status: w.status, substatus: w.substatus, stage: w.stage };
    },
    async putWritten(id, written) {
      await redis.set(k.written(id), JSON.stringify(written));
    },
    async putSnapshots(snapshots) {
      if (snapshots.length === 0) return;
      const tx = redis.multi();
      for (const s of snapshots) tx.set(k.snapshot(s.referralId), JSON.stringify(s));
      await tx.exec();
    },
    async snapshot(id) {
      return parseJson(CrmSnapshot, await redis.get(k.snapshot(id)));
    },
    async audit(entry) {
      const tx = redis
        .multi()
        .lpush(k.audit(entry.referralId), JSON.stringify(entry))
        .ltrim(k.audit(entry.referralId), 0, AUDIT_LIMIT - 1);
      // The answer time for the response-time report, kept apart: later edits trim the trail.
      if (isAnswer(entry))
        tx.hsetnx(k.answered, entry.referralId, JSON.stringify({ at: entry.at, decision: entry.action }));
      await tx.exec();
    },
    async history(id) {
      const rows = await redis.lrange(k.audit(id), 0, -1);
      return rows.flatMap((row) => parseJson(AuditEntry, row) ?? []).reverse();
    },
    async messageShown(id) {
      return (await redis.exists(k.message(id))) === 1;
    },
    async setMessageShown(id, shown) {
      await (shown ? redis.set(k.message(id), '1') : redis.del(k.message(id)));
    },
    async cursor(crm) {
      return parseJson(Cursor, await redis.get(k.cursor(crm)));
    },
    async putCursor(crm, cursor) {
      await redis.set(k.cursor(crm), JSON.stringify(cursor));
    },
  };
}
