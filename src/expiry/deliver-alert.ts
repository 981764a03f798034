import type { Logger } from '../log/logger.ts';
import type { ExpiryLedger } from '../ports/expiry-ledger.ts';
import type { Clock } from '../ports/clock.ts';
import type { ReferralStore } from '../ports/state.ts';
import { type AlertFormat, type ExpiryAlert, type ExpiryAlertJob, toExpiryAlert } from './alert.ts';
import { phaseOf } from './plan.ts';

export interface DeliverAlertDeps extends AlertFormat {
  referrals: ReferralStore;
  ledger: Pick<ExpiryLedger, 'effectsDone' | 'markEffectDone'>;
  clock: Clock;
  log: Logger;
  /** The webhook poster (connectors/webhook). Throws RetryableError or FatalError. */
  post(alert: ExpiryAlert): Promise<void>;
  /**
   * Called after a post was recorded, to run the referral's CRM effect that waited for it (see
   * crmMayGo). Its failure is logged, never thrown: the post is done and the scan retries the rest.
   */
  afterPosted?: ((referralId: string) => Promise<unknown>) | undefined;
}

export type DeliverOutcome = 'posted' | 'already-posted' | 'stale';

/**
 * Body of the webhook queue's processor: posts one queued alert. A failure is thrown for BullMQ
 * to retry. A retry after a post that succeeded but was not recorded (crash in between) posts
 * again: an HTTP webhook gives no way to ask whether it already has a message, so this effect is
 * at-least-once, and every post of one (referral, alert) carries the same idempotency key for
 * the receiver to drop the repeat (issue 12).
 */
export async function deliverExpiryAlert(deps: DeliverAlertDeps, job: ExpiryAlertJob): Promise<DeliverOutcome> {
  const log = deps.log.child({ referralId: job.referralId, expiryLevel: job.level });
  if ((await deps.ledger.effectsDone(job.referralId, job.level)).has('webhook-posted')) return 'already-posted';
  const referral = await deps.referrals.get(job.referralId);
  // Answered while the job waited (e.g. in retries): a "respond by" message would now mislead.
  if (referral && job.kind !== 'expired' && phaseOf(referral) !== 'waiting') {
    log.info({ status: referral.status }, 'referral answered before its alert was posted; alert dropped');
    await deps.ledger.markEffectDone(job.referralId, job.level, 'webhook-dropped', deps.clock.now());
    return 'stale';
  }
  const now = deps.clock.now();
  await deps.post(toExpiryAlert(job, referral, now, deps));
  await deps.ledger.markEffectDone(job.referralId, job.level, 'webhook-posted', now);
  log.info('expiry webhook alert posted');
  try {
    await deps.afterPosted?.(job.referralId);
  } catch (err) {
    log.warn({ err }, 'CRM follow-up after the post failed; the next scan retries it');
  }
  return 'posted';
}
