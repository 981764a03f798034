import type { Referral } from '../domain/referral.ts';
import { MappingError } from '../errors.ts';
import type { CrmKind, OpportunityDraft } from '../ports/crm.ts';
import type { RuleContext } from './apply-rule.ts';
import { applyRules, teamEmails } from './apply.ts';
import type { Mapping } from './schema.ts';

/**
 * Maps one referral to the Lead draft of one CRM (the section's `lead` fields). Pure, like
 * toOpportunityDraft; a lead has no customer account to resolve (the company is a field on it).
 * Throws MappingError naming the rule path (e.g. `salesforce.lead.fields.LastName`).
 */
export function toLeadDraft(section: CrmKind, referral: Referral, now: Date, mapping: Mapping): OpportunityDraft {
  const lead = mapping[section]?.lead;
  if (!lead) throw new MappingError(`the mapping file has no ${section}.lead section`, section, referral.id);
  const ctx: RuleContext = { referral, now, linkTemplate: mapping.referralLink };
  const createOnly: string[] = [];
  const owners = 'assignOwnerFromTeam' in lead && lead.assignOwnerFromTeam ? teamEmails(referral) : [];
  return {
    referralId: referral.id,
    fields: applyRules(lead.fields, `${section}.lead.fields`, ctx, createOnly),
    createOnly,
    account: null,
    ...(owners.length > 0 ? { ownerEmails: owners } : {}),
  };
}
