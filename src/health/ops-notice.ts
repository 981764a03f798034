/**
 * Something ops must hear about that is not one referral's alert (issue 12: Redis lost its data).
 * Posted through the alert webhook (ALERT_WEBHOOK_URL) in its format. Ids and times only.
 */
export interface OpsNotice {
  kind: 'state-loss';
  /** One line, e.g. "referral-sync: Redis lost its data". */
  title: string;
  /** What happened and what the worker does about it. */
  text: string;
  /** Stable per event: a receiver that saw it drops a repeat. */
  idempotencyKey: string;
  /** ISO. */
  at: string;
}

/** The notice for a Redis data loss noticed under `epoch` (the new epoch marker). */
export function stateLossNotice(epoch: string, at: string): OpsNotice {
  return {
    kind: 'state-loss',
    title: 'referral-sync: Redis lost its data',
    text:
      'A worker found the deployment state gone (queues, schedules, checkpoints, sync state). Schedules were ' +
      'registered again and a full pull is rebuilding the state; each referral is compared with its opportunity ' +
      'before anything is written. /readyz answers 503 until the rebuild has finished.',
    idempotencyKey: `referral-sync-state-loss:${encodeURIComponent(epoch)}`,
    at,
  };
}
