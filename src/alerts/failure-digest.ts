import { z } from 'zod';
import { contentHash } from '../sync/draft-hash.ts';

/*
 * Failure alerts (issue 18): what ops must hear about, posted to the alert webhook as one digest
 * rather than one message per failure. This file decides what goes into the next digest; it does
 * no I/O. The edge (jobs/failure-alerts.ts) collects the events from Redis and BullMQ, stores what
 * was sent, and posts.
 */

export const FAILURE_KINDS = ['parked', 'credentials', 'state-loss', 'stuck', 'throttled'] as const;
export const FailureKind = z.enum(FAILURE_KINDS);
export type FailureKind = z.infer<typeof FailureKind>;

/** One incident. Ids and names only: no customer data, no secrets (it leaves the deployment). */
export const FailureEvent = z.object({
  kind: FailureKind,
  /** Stable per incident: the same parked referral, the same pause, the same loss. */
  key: z.string().min(1),
  /** What it is about: a referral id, a connection, a queue. */
  subject: z.string().min(1),
  /** One short line for a person, e.g. "stage crm, field CloseDate". */
  detail: z.string(),
  /** When it happened (ISO). */
  at: z.string(),
  /** Path on the dashboard (e.g. /referrals/42), joined to DASHBOARD_PUBLIC_URL by the edge. */
  path: z.string().optional(),
});
export type FailureEvent = z.infer<typeof FailureEvent>;

export const FailureDigest = z.object({
  /** Idempotency key: the same content gives the same key, so two workers agree on it. */
  id: z.string(),
  at: z.string(),
  /** Per kind, in FAILURE_KINDS order: how many new incidents, and the first `maxItemsPerKind`. */
  sections: z.array(z.object({ kind: FailureKind, count: z.number().int(), items: z.array(FailureEvent) })),
});
export type FailureDigest = z.infer<typeof FailureDigest>;

/** What earlier digests already covered. */
export interface DigestMemory {
  /** `eventId()` of every incident already reported (kept while the incident lasts). */
  reported: ReadonlySet<string>;
  /** When each kind was last part of a digest (ISO). */
  lastSentAt: Partial<Record<FailureKind, string>>;
}

export interface DigestPolicy {
  /** Kinds turned on (FAILURE_ALERTS); the rest are never reported. */
  kinds: ReadonlySet<FailureKind>;
  /** At most one digest per kind in this window (FAILURE_ALERT_WINDOW_MS). */
  windowMs: number;
  /** Items listed per kind; the count says how many more there are (the dashboard has them all). */
  maxItemsPerKind: number;
}

export const eventId = (e: Pick<FailureEvent, 'kind' | 'key'>): string => `${e.kind}:${e.key}`;

export type DigestDecision =
  | { kind: 'send'; digest: FailureDigest }
  /** New incidents wait for their kind's window; `at` is when the first of them may go. */
  | { kind: 'wait'; at: string }
  | { kind: 'nothing' };

/**
 * The next digest, given the incidents seen now and what was sent. An incident goes out once;
 * a kind whose last digest is younger than the window holds its new incidents back, and they
 * join the first digest after the window (rate limit without losing anything).
 */
export function nextDigest(
  events: readonly FailureEvent[],
  memory: DigestMemory,
  policy: DigestPolicy,
  now: Date,
): DigestDecision {
  const fresh = new Map<FailureKind, FailureEvent[]>();
  for (const e of events) {
    if (!policy.kinds.has(e.kind) || memory.reported.has(eventId(e))) continue;
    const list = fresh.get(e.kind) ?? [];
    if (!list.some((x) => x.key === e.key)) list.push(e);
    fresh.set(e.kind, list);
  }
  if (fresh.size === 0) return { kind: 'nothing' };
  const dueAt = (kind: FailureKind): number => {
    const last = memory.lastSentAt[kind];
    return last === undefined ? Number.NEGATIVE_INFINITY : Date.parse(last) + policy.windowMs;
  };
  const sections = FAILURE_KINDS.flatMap((kind) => {
    const list = fresh.get(kind);
    if (!list || dueAt(kind) > now.getTime()) return [];
    const sorted = [...list].sort((a, b) => a.at.localeCompare(b.at) || a.key.localeCompare(b.key));
    return [{ kind, count: sorted.length, items: sorted.slice(0, policy.maxItemsPerKind) }];
  });
  if (sections.length === 0) {
    const first = Math.min(...[...fresh.keys()].map(dueAt));
    return { kind: 'wait', at: new Date(first).toISOString() };
  }
  const keys = sections.flatMap((s) => (fresh.get(s.kind) ?? []).map(eventId)).sort();
  return {
    kind: 'send',
    digest: { id: `referral-sync-failures-${contentHash(keys)}`, at: now.toISOString(), sections },
  };
}

/** Every incident a digest covers, listed or only counted: all are reported once it is claimed. */
export function coveredBy(digest: FailureDigest, events: readonly FailureEvent[]): string[] {
  const kinds = new Set(digest.sections.map((s) => s.kind));
  return [...new Set(events.filter((e) => kinds.has(e.kind)).map(eventId))];
}

/**
 * FAILURE_ALERTS: a comma-separated list of kinds, `all` (the default) or `off`. Unknown names
 * are returned as problems for the env check.
 */
export function parseFailureKinds(text: string): { kinds: FailureKind[]; unknown: string[] } {
  const names = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  if (names.length === 1 && (names[0] === 'off' || names[0] === 'none')) return { kinds: [], unknown: [] };
  if (names.length === 1 && names[0] === 'all') return { kinds: [...FAILURE_KINDS], unknown: [] };
  const unknown = names.filter((n) => !FailureKind.safeParse(n).success);
  const kinds = FAILURE_KINDS.filter((k) => names.includes(k));
  return { kinds, unknown };
}
