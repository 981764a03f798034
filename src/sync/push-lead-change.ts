import type { Referral } from '../domain/referral.ts';
import type { CrmOutbound } from '../ports/crm.ts';
import type { SyncStateStore } from '../ports/state.ts';
import type { OpportunityDraft } from '../ports/crm.ts';
import { followConversion, type LeadTarget } from './follow-conversion.ts';
import { pushOutcome, type PushDeps, type PushOutcome } from './push-outcome.ts';

export interface LeadPushDeps extends PushDeps {
  /** `crm` of PushDeps reads and writes Leads; this one the opportunities of the same CRM. */
  opportunity: CrmOutbound;
  state: SyncStateStore;
  /** The referral's CRM target (its opportunity mapping and lead capability). */
  target: (referral: Referral) => {
    crm: 'salesforce' | 'dynamics';
    toDraft: (r: Referral, now: Date) => OpportunityDraft;
    lead?: LeadTarget | undefined;
  };
}

/**
 * One Lead's change for Partner Center (issue 16). A decline (or nothing) goes through pushOutcome
 * like an opportunity's. A conversion is the accept: the referral first follows its opportunity
 * (followConversion: key, then sync state), then the accept is decided on the opportunity's own
 * snapshot, so it carries the values the seller gave the opportunity and any refusal ("accept
 * needs a deal value") shows on the opportunity, where the seller now works. Callers hold the
 * referral's lease, as the sync does, so a pull of the same referral cannot interleave.
 */
export async function pushLeadChange(deps: LeadPushDeps, referralId: string): Promise<PushOutcome> {
  const snapshot = await deps.outbound.snapshot(referralId);
  if (!snapshot) return { result: 'no-snapshot' };
  const state = await deps.state.get(referralId);
  let opportunityId: string | null = null;
  if (state && state.record !== 'lead' && (snapshot.decision === 'accept' || snapshot.crmId === state.crmId)) {
    // The sync followed the conversion first (a pull got there before this job): the accept is still to push.
    opportunityId = state.crmId;
  } else if (state?.record === 'lead' && snapshot.decision === 'accept') {
    const referral = (await deps.referrals.get(referralId)) ?? (await deps.partnerCenter.getReferral(referralId));
    const target = deps.target(referral);
    opportunityId = target.lead ? await target.lead.conversionOf(state.crmId) : null;
    if (opportunityId !== null && target.lead) {
      await followConversion(
        deps,
        { crm: target.crm, toDraft: target.toDraft, lead: target.lead },
        referral,
        state,
        opportunityId,
      );
    }
  }
  if (opportunityId === null) return pushOutcome(deps, referralId);

  const opportunity = await deps.opportunity.getSnapshot(opportunityId);
  if (!opportunity) return { result: 'no-snapshot' };
  // Converting is the seller's accept, whatever the opportunity's own decision field says.
  await deps.outbound.putSnapshots([{ ...opportunity, decision: 'accept' }]);
  // An empty memory would make pushOutcome decide by modification time (without-memory.ts); the
  // conversion is known to be a decision the referral has not seen yet.
  if (!(await deps.outbound.lastPushed(referralId))) await deps.outbound.rememberPushed(referralId, { decision: null });
  return pushOutcome({ ...deps, crm: deps.opportunity }, referralId);
}
