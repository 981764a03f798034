import { z } from 'zod';
import { DRIFT_KINDS } from '../../src/sync/reconcile.ts';
import type { RedisConnection } from './connection.ts';
import { parseStored } from './json.ts';

/**
 * The last reconcile sweep's summary (issue 12), for the dashboard and /metrics, which may run in
 * another process than the sweep. Ids only: no customer data is kept here.
 */
export const ReconcileReport = z.object({
  /** ISO time the sweep started and how long it took. */
  at: z.string(),
  durationMs: z.number().nonnegative(),
  /** Referrals listed (open and recently closed) and opportunities carrying a referral key. */
  referrals: z.number().int().nonnegative(),
  opportunities: z.number().int().nonnegative(),
  /** Drifts found per kind, every kind present. */
  counts: z.record(z.enum(DRIFT_KINDS), z.number().int().nonnegative()),
  /** Jobs queued (a job of that id still to run counts as not queued: it repairs already). */
  queued: z.number().int().nonnegative(),
  /** Drifts of parked referrals, left to the operator's replay. */
  parked: z.number().int().nonnegative(),
});
export type ReconcileReport = z.infer<typeof ReconcileReport>;

const reportKey = (prefix: string) => `${prefix}:reconcile:last`;

export function createReconcileReportStore(redis: RedisConnection, prefix: string) {
  return {
    async put(report: ReconcileReport): Promise<void> {
      await redis.set(reportKey(prefix), JSON.stringify(report));
    },
    /** Null when no sweep ran (or what is stored no longer parses). */
    async get(): Promise<ReconcileReport | null> {
      const raw = await redis.get(reportKey(prefix));
      if (raw === null) return null;
      const parsed = ReconcileReport.safeParse(parseStored(raw));
      return parsed.success ? parsed.data : null;
    },
  };
}
