/*
 * Replay protection. A signed event stays valid forever, so an old one captured and re-sent would
 * pass the signature check; it is refused once ResourceChangeUtcDate is older than `maxAgeMs`.
 * Within that window a re-sent event maps to the same job id and queues nothing (jobs/webhook-intake),
 * so `maxAgeMs` must stay below how long completed sync jobs are kept (7 days, jobs/queues.ts).
 */

export interface FreshnessPolicy {
  /** Older than this → refused as a replay. */
  maxAgeMs: number;
  /** Our clock and Microsoft's may disagree; a change this far in the future is still accepted. */
  maxSkewMs: number;
}

/**
 * Partner Center retries a failed delivery 10 times before parking the event (docs/partner-center-webhooks.md,
 * "Delivery and retries");
 * the schedule is not documented, so six hours leaves room for those retries. The reconciliation
 * poll picks up anything refused here.
 */
export const DEFAULT_FRESHNESS: FreshnessPolicy = { maxAgeMs: 6 * 3600_000, maxSkewMs: 5 * 60_000 };

export type FreshnessResult = { ok: true; changedAt: Date } | { ok: false; reason: string };

/** Pure: is an event whose change happened at `changeUtcDate` acceptable at `now`? */
export function checkFreshness(
  changeUtcDate: string,
  now: Date,
  policy: FreshnessPolicy = DEFAULT_FRESHNESS,
): FreshnessResult {
  const at = Date.parse(changeUtcDate);
  if (Number.isNaN(at)) return { ok: false, reason: 'ResourceChangeUtcDate is not a date-time' };
  const age = now.getTime() - at;
  if (age > policy.maxAgeMs) {
    return {
      ok: false,
      reason: `event is stale: the change is ${Math.round(age / 60_000)} min old (limit ${Math.round(policy.maxAgeMs / 60_000)} min)`,
    };
  }
  if (-age > policy.maxSkewMs)
    return { ok: false, reason: 'event is dated in the future beyond the allowed clock skew' };
  return { ok: true, changedAt: new Date(at) };
}
