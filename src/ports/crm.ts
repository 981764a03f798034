import type { SyncError } from '../errors.ts';

export type CrmKind = 'salesforce' | 'dynamics';
export type FieldValue = string | number | boolean | null;

/** How to find or create the customer account an opportunity belongs to. */
export interface AccountDraft {
  /** Field values that identify the account (e.g. Name + BillingCountry). All must match. */
  match: Record<string, FieldValue>;
  /** Field values used when the account has to be created (includes the match fields). */
  fields: Record<string, FieldValue>;
}

/** A referral mapped for one CRM: field API names to values, produced by src/mapping. */
export interface OpportunityDraft {
  referralId: string;
  fields: Record<string, FieldValue>;
  account: AccountDraft | null;
}

export type UpsertResult =
  | { referralId: string; ok: true; crmId: string; created: boolean }
  | { referralId: string; ok: false; error: SyncError };

/** One CRM. Every SDK failure leaves as RetryableError or FatalError (src/errors.ts). */
export interface CrmConnector {
  readonly kind: CrmKind;
  /** Most drafts `upsertOpportunities` takes in one call (Salesforce collections: 200). */
  readonly maxBatchSize: number;
  /**
   * Idempotent: upserts on the referral id held in the configured external-id field/key.
   * Returns one result per draft, in input order. A failure of one record is reported in its
   * result; a failure of the whole call (auth, network, 5xx) is thrown.
   */
  upsertOpportunities(drafts: OpportunityDraft[]): Promise<UpsertResult[]>;
}
