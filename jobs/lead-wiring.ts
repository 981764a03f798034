import type { Referral } from '../src/domain/referral.ts';
import type { CrmLeads } from '../src/ports/crm-leads.ts';
import type { CrmExpiryWriter, CrmKind, CrmOutbound, OpportunityDraft, UpsertResult } from '../src/ports/crm.ts';
import type { SyncStateStore } from '../src/ports/state.ts';
import type { LeadTarget } from '../src/sync/follow-conversion.ts';
import { pushLeadChange } from '../src/sync/push-lead-change.ts';
import type { SyncTarget } from '../src/sync/sync-referral.ts';
import type { OutboundOptions } from './outbound-queues.ts';

/*
 * Runtime wiring of referrals as CRM Leads (issue 16), kept apart from runtime.ts: the Lead's
 * sync target, its outbound channel (`poll-<crm>-leads` / `push-<crm>-leads`), and expiry
 * writes that go to the Lead while the referral is one.
 */

/** One CRM's Lead flow: its connector capability and the mapping's lead section and rule. */
export interface LeadBinding {
  crm: CrmLeads;
  toDraft: (referral: Referral, now: Date) => OpportunityDraft;
  landsAsLead: (referral: Referral) => boolean;
}

export function leadTarget(lead: LeadBinding, upsert: (draft: OpportunityDraft) => Promise<UpsertResult>): LeadTarget {
  return {
    landsAsLead: lead.landsAsLead,
    upsert,
    toDraft: lead.toDraft,
    lookup: (referralId) => lead.crm.readLeadStamp(referralId),
    conversionOf: (leadId) => lead.crm.conversionOf(leadId),
    keyOpportunity: (opportunityId, referralId) => lead.crm.keyOpportunity(opportunityId, referralId),
  };
}

/**
 * The Lead channel's outbound options, beside the opportunity channel of the same CRM: Leads
 * polled on their own cursor, a conversion pushed as the accept of the opportunity.
 */
export function leadOutboundOptions(
  kind: CrmKind,
  lead: LeadBinding,
  opportunity: Omit<OutboundOptions, 'attempts' | 'schedule'> & { crm: CrmOutbound },
  state: SyncStateStore,
  target: (referral: Referral) => SyncTarget,
): Omit<OutboundOptions, 'attempts' | 'schedule'> {
  return {
    ...opportunity,
    crm: {
      kind,
      listChangedSince: (cursor, overlapMs) => lead.crm.listChangedSince(cursor, overlapMs),
      getSnapshot: (leadId) => lead.crm.getSnapshot(leadId),
      writeStatus: (leadId, write) => lead.crm.writeStatus(leadId, write),
    },
    channel: `${kind}-leads`,
    push: (deps, referralId) => pushLeadChange({ ...deps, opportunity: opportunity.crm, state, target }, referralId),
  };
}

/**
 * The expiry engine writes to the record the referral has: the Lead while it is one (the task
 * goes on the Lead), the opportunity otherwise. One sync-state read per write decides.
 */
export function expiryWriterWithLeads(
  opportunity: CrmExpiryWriter,
  lead: CrmExpiryWriter,
  state: SyncStateStore,
): CrmExpiryWriter {
  const writerFor = async (referralId: string) =>
    (await state.get(referralId))?.record === 'lead' ? lead : opportunity;
  return {
    applyExpiryWarning: async (w) => (await writerFor(w.referralId)).applyExpiryWarning(w),
    readAppliedExpiry: async (q) => (await writerFor(q.referralId)).readAppliedExpiry(q),
  };
}
