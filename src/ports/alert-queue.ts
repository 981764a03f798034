import type { ExpiryAlertJob } from '../expiry/alert.ts';

/**
 * Where a webhook alert's job stands in its queue, as far as the scan needs to know:
 * - pending: waiting, delayed or running; it will post (or fail) by itself;
 * - failed: the queue gave up on it (out of attempts, a fatal answer, or stalled too often);
 * - completed: the job ran to its end; `result` is what the deliverer returned;
 * - missing: no such job (never added, removed, or lost with Redis).
 */
export type AlertJobState = { state: 'pending' | 'failed' | 'missing' } | { state: 'completed'; result: unknown };

/** The expiry webhook queue (issue 12). Jobs are keyed per referral and alert (expiryAlertJobId). */
export interface AlertQueue {
  /** Adds the job unless one with its id exists (in any state). */
  add(job: ExpiryAlertJob): Promise<void>;
  state(job: ExpiryAlertJob): Promise<AlertJobState>;
  /** Moves a failed job back to waiting with fresh attempts. A job no longer failed is left as it is. */
  retry(job: ExpiryAlertJob): Promise<void>;
}
