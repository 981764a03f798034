import type { Referral } from '../domain/referral.ts';
import { contactByOf, deadlineOf } from './deadline.ts';
import { CONTACT_ME_LEVEL, EXPIRED_LEVEL, type ExpiryLevel } from './levels.ts';

/**
 * Where a referral stands for the expiry engine (docs/partner-center-referrals-api.md, "Status and substatus"):
 * - waiting: `New`, nobody has accepted or declined it yet; warnings may fire;
 * - expired: `Closed/Expired`, set by Microsoft only; one 'expired' CRM update, no warnings;
 * - responded: `Active` or any other `Closed` (accepted, declined, won, lost); pending warnings clear;
 * - other: `None` or a status we do not know; left alone rather than guessed at.
 */
export type ReferralPhase = 'waiting' | 'expired' | 'responded' | 'other';

export function phaseOf(referral: Pick<Referral, 'status' | 'substatus'>): ReferralPhase {
  if (referral.status === 'New') return 'waiting';
  if (referral.status === 'Closed' && referral.substatus === 'Expired') return 'expired';
  if (referral.status === 'Active' || referral.status === 'Closed') return 'responded';
  return 'other';
}

/**
 * - warning: a configured level was reached (CRM fields + task, and a webhook alert);
 * - contact-me: the customer asked to be contacted (webhook alert only; see run-expiry-scan.ts);
 * - expired: Microsoft closed the referral as Expired (CRM status update only).
 */
export type AlertKind = 'warning' | 'contact-me' | 'expired';

export interface DueAlert {
  kind: AlertKind;
  /** Ledger key: the level name, 'contact-me' or 'expired'. */
  level: string;
  /** The response deadline; for contact-me, the end of its own 72 h window. */
  deadline: Date;
}

export interface ExpiryPlan {
  phase: ReferralPhase;
  /** Response deadline (UTC); null when neither expirationDateTime nor createdDateTime is known. */
  deadline: Date | null;
  /** Most urgent level whose time has come (fired or not); null before the first one. */
  reached: string | null;
  /** Alerts to fire now, in firing order: contact-me, then levels from most distant to most urgent. */
  due: DueAlert[];
  /** The referral is answered or expired: once `due` is done, stop tracking it and cancel the rest. */
  clearPending: boolean;
}

export interface PlanInput {
  referral: Referral;
  /** As toLevels() returns them, most distant first. */
  levels: readonly ExpiryLevel[];
  now: Date;
  /** Ledger keys already fired for this referral (levels, 'contact-me', 'expired'). */
  fired: ReadonlySet<string>;
  /** The mapping's contact-me detection for this referral. */
  isContactMe: boolean;
}

const HOUR_MS = 3_600_000;

/**
 * Pure: what the expiry engine owes this referral at `now`.
 *
 * A level is due when now >= deadline - hours, it has not fired, and the deadline has not
 * passed. Several levels due at once (the worker was down, or the referral arrived late) all
 * fire, once each, most distant first, so the CRM "expiry level" field ends on the most urgent
 * one: the issue asks that "a worker down across two levels fires both once on return".
 * No warning fires after the deadline: the referral is then Microsoft's to expire, and the
 * 'expired' update covers it once Partner Center reports it.
 */
export function planExpiry(input: PlanInput): ExpiryPlan {
  const { referral, levels, now, fired } = input;
  const phase = phaseOf(referral);
  const deadline = deadlineOf(referral);
  const reached = deadline ? reachedLevel(levels, deadline, now) : null;
  const plan = (due: DueAlert[], clearPending: boolean): ExpiryPlan => ({
    phase,
    deadline,
    reached,
    due,
    clearPending,
  });

  if (phase === 'responded') return plan([], true);
  if (phase === 'other') return plan([], false);
  if (phase === 'expired') {
    // Without any date the "expires at" field gets the time we learned of the expiry.
    const due: DueAlert[] = fired.has(EXPIRED_LEVEL)
      ? []
      : [{ kind: 'expired', level: EXPIRED_LEVEL, deadline: deadline ?? now }];
    return plan(due, true);
  }

  const due: DueAlert[] = [];
  const contactBy = input.isContactMe ? contactByOf(referral) : null;
  // Immediate on first sight, but only inside its window: after 72 h the customer's request is stale.
  if (contactBy && now < contactBy && !fired.has(CONTACT_ME_LEVEL)) {
    due.push({ kind: 'contact-me', level: CONTACT_ME_LEVEL, deadline: contactBy });
  }
  if (deadline && now < deadline) {
    for (const level of levels) {
      if (now.getTime() >= deadline.getTime() - level.hours * HOUR_MS && !fired.has(level.name)) {
        due.push({ kind: 'warning', level: level.name, deadline });
      }
    }
  }
  return plan(due, false);
}

/** The most urgent level whose threshold `now` has crossed, or null. */
export function reachedLevel(levels: readonly ExpiryLevel[], deadline: Date, now: Date): string | null {
  let reached: ExpiryLevel | null = null;
  for (const level of levels) {
    const crossed = now.getTime() >= deadline.getTime() - level.hours * HOUR_MS;
    if (crossed && (reached === null || level.hours < reached.hours)) reached = level;
  }
  return reached?.name ?? null;
}
