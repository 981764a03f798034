/**
 * The expiry engine's idempotency record (issue 5): each alert (a level, 'contact-me' or
 * 'expired') is claimed once per referral across restarts, retries and several workers.
 *
 * State per (referral, alert): none → claimed (lease) → done. A claim is taken atomically before
 * any side effect; each side effect is recorded as its own effect once it succeeded, so a retry
 * after a crash or a partial failure redoes only what is missing. An alert is done once its CRM
 * effect and its webhook post (or deliberate drop) are both recorded (issue 12). A claim whose
 * lease ran out (the worker died) can be claimed again. Closing a referral cancels what is still
 * pending. The ledger lives in Redis; if Redis loses it, the CRM is read back (issue 20).
 */

/** Side effects of one alert, recorded separately so each happens once. */
export type AlertEffect =
  /** CRM "expires at"/"expiry level" fields and the follow-up task (one port call, task keyed). */
  | 'crm'
  /** The webhook job was handed to the queue (its jobId makes a duplicate enqueue a no-op). */
  | 'webhook-enqueued'
  /** The webhook endpoint answered 2xx. */
  | 'webhook-posted'
  /** The webhook job ended without posting on purpose (the referral was answered meanwhile). */
  | 'webhook-dropped';

export const ALERT_EFFECTS: readonly AlertEffect[] = ['crm', 'webhook-enqueued', 'webhook-posted', 'webhook-dropped'];

export type ClaimResult =
  /** Ours until the lease ends: perform the effects not in `effectsDone`, then complete or release. */
  | {
      status: 'claimed';
      token: string;
      effectsDone: ReadonlySet<AlertEffect>;
      /** When each done effect was recorded (same keys as effectsDone). */
      effectsAt: ReadonlyMap<AlertEffect, Date>;
    }
  /** Another worker holds a live lease on it. */
  | { status: 'busy' }
  /** Already fired. */
  | { status: 'done' }
  /** The referral was closed (answered or expired): nothing more fires for it. */
  | { status: 'closed' };

export interface LedgerView {
  /** Alerts in state done. */
  fired: ReadonlySet<string>;
  /** Why the referral was closed ('responded' / 'expired'), or null while it is tracked. */
  closed: string | null;
  /**
   * false: the ledger holds nothing at all for this referral, either because it never fired
   * anything or because Redis lost its data. The scan then asks the CRM before firing.
   */
  known: boolean;
}

export interface ExpiryLedger {
  /** What has fired for a referral. A fresh referral reads as nothing fired, not closed. */
  read(referralId: string): Promise<LedgerView>;
  /**
   * Atomically takes (referral, alert) unless it is done, closed or under a live lease. Also
   * tracks the referral (see trackedIds). `now` comes from the caller's clock so tests can move it.
   */
  claim(referralId: string, alert: string, now: Date): Promise<ClaimResult>;
  /** Records that one effect succeeded. Idempotent; valid whoever holds the claim. */
  markEffectDone(referralId: string, alert: string, effect: AlertEffect, now: Date): Promise<void>;
  /** Effects already recorded for (referral, alert), whatever its state. */
  effectsDone(referralId: string, alert: string): Promise<ReadonlySet<AlertEffect>>;
  /** claimed → done, if `token` still holds the claim. Returns false when it did not (lease lost). */
  complete(referralId: string, alert: string, token: string, now: Date): Promise<boolean>;
  /** claimed → none, if `token` still holds the claim, so the next scan retries at once. */
  release(referralId: string, alert: string, token: string): Promise<void>;
  /**
   * Records alerts the CRM shows as applied (after Redis lost the ledger) as done with their CRM
   * and webhook effects, so they do not fire again. Alerts with any state already are left alone.
   */
  recordApplied(referralId: string, alerts: readonly string[], now: Date): Promise<void>;
  /** Adds referrals to the tracked set (the scan calls it with every New id). */
  track(referralIds: readonly string[]): Promise<void>;
  /** Referrals seen waiting and not closed since: the scan revisits them to notice answers and expiry. */
  trackedIds(): Promise<string[]>;
  /** Stops tracking; claims still pending are cancelled and later claims answer 'closed'. */
  close(referralId: string, reason: 'responded' | 'expired', now: Date): Promise<void>;
}
