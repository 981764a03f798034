import { contentHash } from '../sync/draft-hash.ts';

/*
 * One opportunity a seller asked to share with Microsoft (issue 16), as the CRM connector reads
 * it, in CRM-neutral terms: raw values, nothing checked yet. src/share/build-referral.ts decides
 * whether it can be sent and builds Partner Center's create body from it.
 */
export interface ShareRequest {
  /** Salesforce Opportunity Id / Dataverse opportunityid: sent as externalReferenceId. */
  crmId: string;
  /** SystemModstamp / modifiedon (ISO 8601). */
  modstamp: string;
  /** The referral key field: set once the referral exists and is linked; null before. */
  referralId: string | null;
  /** The share flag (checkbox / Yes-No). */
  flag: boolean;
  name: string | null;
  dealValue: number | null;
  /** ISO 4217; in a single-currency Salesforce org, the org's currency. */
  currency: string | null;
  /** Date only (YYYY-MM-DD). */
  closeDate: string | null;
  notes: string | null;
  /** Raw help type (picklist value, or a Dataverse choice's label). */
  helpType: string | null;
  /** Raw solutions field (ids separated by ; , or new lines). */
  solutions: string | null;
  /** Raw visibility/kind value; null when the mapping has no such field or it is empty. */
  visibility: string | null;
  customer: {
    name: string | null;
    country: string | null;
  };
  contact: {
    firstName: string | null;
    lastName: string | null;
    email: string | null;
    phone: string | null;
  };
}

/**
 * What the seller can change that decides the create body: two reads with the same version are
 * the same request. The modstamp is left out on purpose: our own write of the sync message moves
 * it, and must not make a refused request look new (the seller would see the message rewritten
 * on every poll).
 */
export const shareVersion = (r: ShareRequest): string => {
  const { modstamp: _m, referralId: _r, ...rest } = r;
  return contentHash(rest);
};
