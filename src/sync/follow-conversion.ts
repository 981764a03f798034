import type { Logger } from 'pino';
import type { Referral } from '../domain/referral.ts';
import type { OpportunityDraft, OpportunityStamp, UpsertResult } from '../ports/crm.ts';
import type { Clock } from '../ports/clock.ts';
import type { ReferralSyncState, SyncStateStore } from '../ports/state.ts';
import { draftHash, fieldHashes } from './draft-hash.ts';
import { withoutCreateOnly } from './update-draft.ts';

/** Where a referral that lands as a CRM Lead goes (issue 16); part of a SyncTarget. */
export interface LeadTarget {
  /** The mapping's `leads` rule: whether a referral synced for the first time lands as a Lead. */
  landsAsLead: (referral: Referral) => boolean;
  /** Upserts one Lead draft by the referral key (batched behind this function). */
  upsert: (draft: OpportunityDraft) => Promise<UpsertResult>;
  /** The mapping's lead section applied to one referral; throws MappingError. */
  toDraft: (referral: Referral, now: Date) => OpportunityDraft;
  /** Finds the Lead by the referral key (after Redis lost the sync state). */
  lookup?: ((referralId: string) => Promise<OpportunityStamp | null>) | undefined;
  /** The opportunity the lead was converted into; null while it is not. */
  conversionOf: (leadId: string) => Promise<string | null>;
  /** Sets the referral key on the converted opportunity (idempotent). */
  keyOpportunity: (opportunityId: string, referralId: string) => Promise<void>;
}

export interface FollowDeps {
  state: SyncStateStore;
  clock: Clock;
  log: Logger;
}

/**
 * The seller converted the referral's Lead: from now on its opportunity is the record in sync.
 * The referral key goes onto the opportunity first, then the sync state points at it; in that
 * order, so an upsert by key that runs after the state switch finds the opportunity and never
 * creates a second one. Nothing is written to the opportunity: the seller just chose its values
 * on conversion, and the accept pushes them to Partner Center. The hashes are those of the
 * opportunity mapping for this referral version, so later Partner Center changes are written as
 * changes. Idempotent: a retry keys the opportunity again (same value) and writes the same state.
 */
export async function followConversion(
  deps: FollowDeps,
  target: { crm: ReferralSyncState['crm']; toDraft: (r: Referral, now: Date) => OpportunityDraft; lead: LeadTarget },
  referral: Referral,
  lead: Pick<ReferralSyncState, 'crmId' | 'writtenBack'>,
  opportunityId: string,
): Promise<ReferralSyncState> {
  await target.lead.keyOpportunity(opportunityId, referral.id);
  const now = deps.clock.now();
  const update = withoutCreateOnly(target.toDraft(referral, now));
  const state: ReferralSyncState = {
    eTag: referral.eTag,
    draftHash: draftHash(update),
    fieldHashes: fieldHashes(update),
    crm: target.crm,
    crmId: opportunityId,
    // Partner Center's externalReferenceId still names the Lead: the write-back replaces it.
    writtenBack: false,
    syncedAt: now.toISOString(),
  };
  await deps.state.put(referral.id, state);
  deps.log.info(
    { leadId: lead.crmId, crmId: opportunityId },
    'lead converted: the referral now syncs with its opportunity',
  );
  return state;
}
