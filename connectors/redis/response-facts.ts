import { z } from 'zod';
import type { RedisConnection } from './connection.ts';
import { keys } from './keys.ts';
import { parseStored } from './json.ts';
import { outboundKeys } from './outbound-store.ts';
import { Referral } from '../../src/domain/referral.ts';
import { AuditEntry } from '../../src/outbound/audit.ts';
import { CrmSnapshot } from '../../src/outbound/crm-snapshot.ts';
import type { Decision, ReferralFacts } from '../../src/report/response-times.ts';

/*
 * Reads what the response-time report (src/report/response-times.ts) needs from Redis, for the
 * referrals created in a range: the stored referral, the seller's answer as we pushed it (the
 * `answered` hash, written since issue 18; older answers from the audit trail), and the owner.
 * Batched (one MGET/pipeline per BATCH referrals), so a report over 10,000 referrals is ~60 round trips.
 */

const BATCH = 500;
const Answered = z.object({ at: z.string(), decision: z.enum(['accept', 'decline']) });

export interface FactsOptions {
  /** Created at or after (ms). */
  from: number;
  /** Created before (ms). */
  to: number;
  isContactMe(referral: Referral): boolean;
}

const parse = <T>(schema: z.ZodType<T>, raw: string | null | undefined): T | null => {
  if (raw === null || raw === undefined) return null;
  const r = schema.safeParse(parseStored(raw));
  return r.success ? r.data : null;
};

/**
 * The owner: the first seller on the opportunity team in the CRM (the last outbound read), else
 * the first of Partner Center's partner team on the referral; lower-case email, null if neither.
 */
function ownerOf(snapshot: CrmSnapshot | null, referral: Referral): string | null {
  const email = snapshot?.teamContacts[0]?.email ?? referral.team?.find((m) => m.email)?.email ?? null;
  return email ? email.trim().toLowerCase() : null;
}

function answerFromAudit(rows: readonly string[]): { at: string; decision: Decision } | null {
  // LRANGE gives newest first; the first answer pushed is the one that counts.
  for (const row of [...rows].reverse()) {
    const e = parse(AuditEntry, row);
    if (e && e.side === 'crm' && e.result === 'pushed' && (e.action === 'accept' || e.action === 'decline'))
      return { at: e.at, decision: e.action };
  }
  return null;
}

export async function loadReferralFacts(
  redis: RedisConnection,
  prefix: string,
  o: FactsOptions,
): Promise<ReferralFacts[]> {
  const k = keys(prefix);
  const out = outboundKeys(prefix);
  const ids = await redis.hkeys(k.referralStatus);
  const facts: ReferralFacts[] = [];
  for (let i = 0; i < ids.length; i += BATCH) {
    const batch = ids.slice(i, i + BATCH);
    const raws = await redis.mget(...batch.map((id) => k.referral(id)));
    const inRange = raws.flatMap((raw) => {
      const r = parse(Referral, raw);
      const created = r?.createdDateTime ? Date.parse(r.createdDateTime) : Number.NaN;
      return r && created >= o.from && created < o.to ? [r] : [];
    });
    if (inRange.length === 0) continue;
    const rid = inRange.map((r) => r.id);
    const [answered, snapshots] = await Promise.all([
      redis.hmget(out.answered, ...rid),
      redis.mget(...rid.map((id) => out.snapshot(id))),
    ]);
    const missing = rid.filter((_, j) => answered[j] === null);
    const pipe = redis.pipeline();
    for (const id of missing) pipe.lrange(out.audit(id), 0, -1);
    const trails = new Map(
      ((await pipe.exec()) ?? []).map(([, rows], j) => [missing[j], Array.isArray(rows) ? (rows as string[]) : []]),
    );
    inRange.forEach((referral, j) => {
      facts.push({
        referral,
        owner: ownerOf(parse(CrmSnapshot, snapshots[j]), referral),
        pushedAnswer: parse(Answered, answered[j]) ?? answerFromAudit(trails.get(referral.id) ?? []),
        contactMe: o.isContactMe(referral),
      });
    });
  }
  return facts;
}
