import type { Referral } from '../domain/referral.ts';

const HOUR_MS = 3_600_000;

/**
 * Partner Center closes a referral as Expired after 14 days without accept or decline
 * (docs/partner-center-referrals-api.md, "Timing rules"). Used only when `expirationDateTime` is null (self-created
 * referrals, "The referral resource").
 */
const RESPONSE_WINDOW_MS = 14 * 24 * HOUR_MS;

/**
 * The customer's "please contact me" flame alert changes after 72 h (docs/partner-center-referrals-api.md, "Timing
 * rules").
 */
export const CONTACT_WINDOW_MS = 72 * HOUR_MS;

const toDate = (iso: string | null | undefined): Date | null => {
  if (iso === null || iso === undefined) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : new Date(ms);
};

/**
 * The response deadline (UTC): `expirationDateTime`, else createdDateTime + 14 days.
 * We prefer Microsoft's value because doc samples show deadlines that are not created + 14 d
 * (midnight UTC). Null when neither date is known: the expiry engine then leaves it alone.
 */
export function deadlineOf(referral: Pick<Referral, 'expirationDateTime' | 'createdDateTime'>): Date | null {
  const explicit = toDate(referral.expirationDateTime);
  if (explicit) return explicit;
  const created = toDate(referral.createdDateTime);
  return created ? new Date(created.getTime() + RESPONSE_WINDOW_MS) : null;
}

/** End of the 72 h contact-me window (createdDateTime + 72 h), or null without a creation date. */
export function contactByOf(referral: Pick<Referral, 'createdDateTime'>): Date | null {
  const created = toDate(referral.createdDateTime);
  return created ? new Date(created.getTime() + CONTACT_WINDOW_MS) : null;
}

/** Milliseconds until `deadline`; negative once it has passed. */
export const timeLeftMs = (deadline: Date, now: Date): number => deadline.getTime() - now.getTime();

/** True when `timeZone` is an IANA zone this runtime knows (for config validation at boot). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * A deadline as people read it in `timeZone`, with the zone's abbreviation so a reader in
 * another zone is not misled, e.g. `17 Mar 2025, 01:00 CET`. Throws RangeError on an unknown
 * zone: validate it with isValidTimeZone at boot.
 */
export function formatDeadline(deadline: Date, timeZone: string, locale = 'en-GB'): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).format(deadline);
}

/** Time left in words for subjects and alerts: `2 d 5 h`, `3 h 20 min`, `45 min`, `overdue`. */
export function formatTimeLeft(ms: number): string {
  if (ms <= 0) return 'overdue';
  const totalMinutes = Math.floor(ms / 60_000);
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const minutes = totalMinutes % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  return `${Math.max(minutes, 1)} min`;
}
