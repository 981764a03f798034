import type { ShareRequest } from '../share/share-request.ts';

/**
 * Optional CRM capability (issue 16): opportunities a seller marked to share with Microsoft.
 * Every failure leaves as RetryableError or FatalError (src/errors.ts), like the other ports.
 */
export interface CrmShare {
  /**
   * Opportunities with the share flag set and no referral key yet, every page followed. Few at
   * any time (a request leaves the list once its referral is linked), so no cursor: each poll
   * reads them all. Records that cannot be read are reported in `invalid`.
   */
  listShareRequests(): Promise<{ requests: ShareRequest[]; invalid: { crmId: string; error: string }[] }>;
  /** One opportunity's share request, read fresh; null when the record no longer exists. */
  getShareRequest(crmId: string): Promise<ShareRequest | null>;
  /**
   * Links the opportunity to the referral created for it: the referral key field (upsert key of
   * the inbound sync) and the link field, and clears the sync message. Update-only: never
   * creates a record. Idempotent.
   */
  linkReferral(crmId: string, link: { referralId: string; url: string }): Promise<void>;
}
