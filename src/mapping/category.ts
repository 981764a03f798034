import type { Referral } from '../domain/referral.ts';

export const CATEGORIES = ['marketplace-lead', 'qualified-lead', 'co-sell', 'unknown'] as const;
export type Category = (typeof CATEGORIES)[number];

type CategoryInput = Pick<Referral, 'type' | 'qualification' | 'direction' | 'inviteContext'>;

/**
 * The referral's category per docs/partner-center-referrals-api.md, "Referral category" (type × qualification × who
 * invited us):
 *
 * | type                  | qualification               | invitedBy              | category         |
 * |-----------------------|-----------------------------|------------------------|------------------|
 * | Independent           | Direct                      | msft or none           | marketplace-lead |
 * | Independent           | SalesQualified, MarketingQ. | msft                   | qualified-lead   |
 * | Independent or Shared | SalesQualified or None      | our or a partner's org | co-sell          |
 *
 * Two inferences beyond the table, both from the reference:
 * - `Shared` with SalesQualified/None is co-sell whoever invited us: the table's only Shared row
 *   is co-sell, and example 9(b), sent by Microsoft (`msft`), is a "sales-qualified co-sell".
 * - An `Outgoing` referral without `inviteContext` was created by us, so the inviter is our own org.
 * A missing qualification reads as `None`. referralSource/callToAction are deliberately not used:
 * the reference warns against classifying on them alone. Anything else is 'unknown'.
 */
export function categorize(referral: CategoryInput): Category {
  const qualification = referral.qualification ?? 'None';
  const inviter = inviterOf(referral);

  if (referral.type === 'Shared') {
    return qualification === 'SalesQualified' || qualification === 'None' ? 'co-sell' : 'unknown';
  }
  if (referral.type !== 'Independent') return 'unknown';

  if (qualification === 'Direct') return inviter === 'partner' ? 'unknown' : 'marketplace-lead';
  if (qualification === 'SalesQualified' || qualification === 'MarketingQualified') {
    if (inviter === 'microsoft') return 'qualified-lead';
    if (inviter === 'partner' && qualification === 'SalesQualified') return 'co-sell';
    return 'unknown';
  }
  if (qualification === 'None' && inviter === 'partner') return 'co-sell';
  return 'unknown';
}

/** 'partner' covers both our own organization and another partner's. */
function inviterOf(referral: CategoryInput): 'microsoft' | 'partner' | 'none' {
  const org = referral.inviteContext?.invitedBy?.organizationId?.trim();
  if (org) return org.toLowerCase() === 'msft' ? 'microsoft' : 'partner';
  return referral.direction === 'Outgoing' ? 'partner' : 'none';
}
