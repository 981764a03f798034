import type { CrmExpiryWriter, CrmOutbound, OpportunityDraft, OpportunityStamp, UpsertResult } from './crm.ts';

/**
 * Optional CRM capability (issue 16): referrals as CRM Leads. The CrmOutbound methods read and
 * write Leads (snapshots via src/outbound/lead-decision.ts: converted = accept, disqualified =
 * decline). Every SDK failure leaves as RetryableError or FatalError, as for opportunities.
 */
export interface CrmLeads extends CrmOutbound {
  /** Most drafts `upsertLeads` takes in one call. */
  readonly maxBatchSize: number;
  /** Idempotent: upserts Leads on the referral id in the lead key field; results in input order. */
  upsertLeads(drafts: OpportunityDraft[]): Promise<UpsertResult[]>;
  /** The Lead holding `referralId` in its key field, with its modstamp; null when there is none. */
  readLeadStamp(referralId: string): Promise<OpportunityStamp | null>;
  /**
   * The opportunity the seller converted the lead into (Salesforce ConvertedOpportunityId,
   * Dataverse the opportunity whose originatingleadid is the lead); null while not converted or
   * when the lead is gone.
   */
  conversionOf(leadId: string): Promise<string | null>;
  /**
   * Puts the referral id into the opportunity's referral key (the opportunity key field /
   * alternate key column), so that upserts by key find it from now on. Idempotent.
   */
  keyOpportunity(opportunityId: string, referralId: string): Promise<void>;
  /** Expiry fields and follow-up tasks on the Lead (the task goes on the Lead). */
  readonly expiry: CrmExpiryWriter;
}
