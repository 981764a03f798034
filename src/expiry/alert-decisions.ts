import type { AlertJobState } from '../ports/alert-queue.ts';
import type { AppliedExpiry } from '../ports/crm.ts';
import type { AlertEffect } from '../ports/expiry-ledger.ts';
import { EXPIRED_LEVEL, type ExpiryLevel } from './levels.ts';

/*
 * Pure decisions of the expiry engine's delivery (issues 12 and 20), kept apart from the I/O in
 * fire-alert.ts so each is a table test.
 */

/**
 * May the CRM effect (level field + task) of an alert go now? Only once its webhook post is
 * settled, so that "the CRM shows this alert" implies "its webhook was delivered": after Redis
 * loses the ledger, the CRM is what tells the scan which alerts not to repeat. A dead receiver
 * must not keep the seller's task back for hours, so after `graceMs` since the webhook was
 * queued the CRM goes anyway (and that alert's webhook is no longer covered by the CRM record).
 */
export function crmMayGo(o: {
  needsWebhook: boolean;
  webhookSettled: boolean;
  enqueuedAt: Date | undefined;
  now: Date;
  graceMs: number;
}): boolean {
  if (!o.needsWebhook || o.webhookSettled) return true;
  if (!o.enqueuedAt) return false;
  return o.now.getTime() - o.enqueuedAt.getTime() >= o.graceMs;
}

export const webhookSettled = (effects: ReadonlySet<AlertEffect>): boolean =>
  effects.has('webhook-posted') || effects.has('webhook-dropped');

export type WebhookAction =
  /** The job will post or fail by itself. */
  | { do: 'wait' }
  /** No job holds the alert (lost with Redis, or removed): add it again. */
  | { do: 'add' }
  /** The queue gave up on it (stalled too often, out of attempts): give it fresh attempts. */
  | { do: 'retry' }
  /** The job ran to its end but its ledger record is missing: record what it did. */
  | { do: 'record'; effect: AlertEffect };

/** What the scan does about an alert whose webhook was queued but is not known to be settled. */
export function webhookAction(job: AlertJobState): WebhookAction {
  switch (job.state) {
    case 'pending':
      return { do: 'wait' };
    case 'missing':
      return { do: 'add' };
    case 'failed':
      return { do: 'retry' };
    case 'completed':
      // deliverExpiryAlert returns 'posted' / 'already-posted' after the receiver's 2xx;
      // anything else ('stale', no webhook configured) ended the job without a post.
      return {
        do: 'record',
        effect: job.result === 'posted' || job.result === 'already-posted' ? 'webhook-posted' : 'webhook-dropped',
      };
  }
}

/**
 * Of the alerts `asked`, those the CRM shows as applied: a task with the alert's key, or a level
 * field at or past the level. The field counts because levels reach the CRM in order, most
 * distant first (fire-alert.ts holds a later level's CRM effect back until the earlier one is
 * done), so a field reading '24h' means 72 h was applied before it. A level field the seller
 * cleared still leaves the tasks; a field naming no configured level implies only itself.
 */
export function appliedAlerts(levels: readonly ExpiryLevel[], asked: readonly string[], crm: AppliedExpiry): string[] {
  const fieldLevel = levels.find((l) => l.name === crm.level);
  const implied = (alert: string): boolean => {
    if (crm.level === null) return false;
    if (alert === crm.level) return true;
    if (crm.level === EXPIRED_LEVEL) return levels.some((l) => l.name === alert);
    const level = levels.find((l) => l.name === alert);
    return fieldLevel !== undefined && level !== undefined && level.hours >= fieldLevel.hours;
  };
  return asked.filter((alert) => crm.tasks.has(alert) || implied(alert));
}
