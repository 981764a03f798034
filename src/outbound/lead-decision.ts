import { CrmSnapshot } from './crm-snapshot.ts';

/*
 * What a seller's action on a CRM Lead means for Partner Center (issue 16), CRM-neutral:
 * - converted (Salesforce IsConverted + ConvertedOpportunityId, Dataverse statecode Qualified with
 *   an opportunity whose originatingleadid is the lead) = accept, with the opportunity's values;
 * - a disqualifying status (Salesforce Status such as "Closed - Not Converted", Dataverse
 *   statecode 2 Disqualified) = decline, with the reason translated to Partner Center's wording;
 * - anything else: nothing to send (a lead's edits are the seller's triage notes).
 * Conversion wins: a converted lead keeps the status it was converted with.
 */

export interface LeadRead {
  crmId: string;
  referralId: string;
  modstamp: string;
  /** Company (or topic) shown in messages; not sent to Partner Center. */
  name: string;
  /** The opportunity the lead was converted into; null while it is not converted. */
  convertedTo: string | null;
  /** Salesforce Status / Dataverse statecode as text. */
  status: string | null;
  /** The raw reason value (picklist value, Dataverse statuscode as text); null when empty. */
  reason: string | null;
}

export interface LeadDecisionRules {
  /** Status values that decline (Salesforce: Lead Status values; Dataverse: ['2']). */
  declineStatuses: readonly string[];
  /** Raw reason -> Partner Center statusReason; unlisted values pass as written. */
  reasonMap: Readonly<Record<string, string>>;
}

export type LeadDecision =
  { kind: 'accept'; opportunityId: string } | { kind: 'decline'; reason: string | null } | { kind: 'none' };

const text = (s: string | null): string | null => (s?.trim() ? s.trim() : null);

/** Pure: the seller's decision a lead shows. */
export function leadDecision(
  lead: Pick<LeadRead, 'convertedTo' | 'status' | 'reason'>,
  rules: LeadDecisionRules,
): LeadDecision {
  const converted = text(lead.convertedTo);
  if (converted !== null) return { kind: 'accept', opportunityId: converted };
  const status = text(lead.status);
  if (status === null || !rules.declineStatuses.some((s) => s.trim().toLowerCase() === status.toLowerCase())) {
    return { kind: 'none' };
  }
  const raw = text(lead.reason);
  return { kind: 'decline', reason: raw === null ? null : (rules.reasonMap[raw] ?? raw) };
}

/**
 * A lead as an outbound snapshot, so the push machinery (decide, refuse, audit) serves leads as
 * it serves opportunities. A converted lead reads as decision 'accept'; the lead push job then
 * decides on the opportunity's own snapshot (src/sync/push-lead-change.ts). A lead carries no
 * deal values: nothing but the decision travels from it.
 */
export function leadSnapshot(lead: LeadRead, rules: LeadDecisionRules): CrmSnapshot {
  const d = leadDecision(lead, rules);
  return CrmSnapshot.parse({
    crmId: lead.crmId,
    referralId: lead.referralId,
    modstamp: lead.modstamp,
    decision: d.kind === 'none' ? null : d.kind,
    declineReason: d.kind === 'decline' ? d.reason : null,
    lostReason: null,
    stage: text(lead.status),
    isClosed: false,
    isWon: false,
    name: lead.name,
    dealValue: null,
    currency: null,
    closeDate: null,
    notes: null,
    campaignId: null,
    teamContacts: [],
  });
}
