import type { Referral } from '../domain/referral.ts';
import { categorize } from './category.ts';
import { isDerivedField, readReferralPath } from './referral-paths.ts';
import { parseTemplate } from './template.ts';

/**
 * docs/partner-center-referrals-api.md, "Timing rules": an incoming referral nobody accepts or declines is closed as
 * Expired after 14 days.
 */
const RESPONSE_WINDOW_MS = 14 * 24 * 60 * 60 * 1000;

/**
 * When a referral still `New` must be answered, as ISO 8601 UTC: `expirationDateTime`, else (for
 * an incoming one) `createdDateTime` + 14 days. Undefined once it is Active or Closed: Partner
 * Center keeps expirationDateTime on an accepted referral, but nothing is waiting for an answer
 * any more, and the mapping's `default: null` is meant to clear the CRM field then (#15).
 * Undefined too for an outgoing referral without one: Microsoft leaves expirationDateTime null on
 * referrals we created, and the 14-day rule only covers a referral waiting for our accept/decline.
 */
function referralDeadline(referral: Referral): string | undefined {
  if (referral.status !== 'New') return undefined;
  const explicit = toTime(referral.expirationDateTime);
  if (explicit !== undefined) return new Date(explicit).toISOString();
  if (referral.direction === 'Outgoing') return undefined;
  const created = toTime(referral.createdDateTime);
  return created === undefined ? undefined : new Date(created + RESPONSE_WINDOW_MS).toISOString();
}

function toTime(iso: string | null | undefined): number | undefined {
  const time = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(time) ? undefined : time;
}

/** Fills the mapping's `referralLink` template; placeholder values are URL-encoded. */
function referralLink(referral: Referral, template: string): string {
  const parsed = parseTemplate(template);
  if (!parsed.ok) throw new Error(`referralLink: ${parsed.error}`); // validated at load; unreachable
  return parsed.parts
    .map((part) => {
      if ('text' in part) return part.text;
      const value = readReferralPath(referral, part.path);
      return typeof value === 'string' || typeof value === 'number' ? encodeURIComponent(String(value).trim()) : '';
    })
    .join('');
}

/** Reads a `from`/placeholder path: a derived field, or a dotted path into the referral. */
export function readSource(referral: Referral, path: string, linkTemplate: string): unknown {
  if (!isDerivedField(path)) return readReferralPath(referral, path);
  switch (path) {
    case 'category':
      return categorize(referral);
    case 'link':
      return referralLink(referral, linkTemplate);
    case 'deadline':
      return referralDeadline(referral);
  }
}
