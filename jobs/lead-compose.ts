import { toLeadDraft } from '../src/mapping/apply-lead.ts';
import { landsAsLead } from '../src/mapping/lead-section.ts';
import type { Mapping } from '../src/mapping/schema.ts';
import type { CrmLeads } from '../src/ports/crm-leads.ts';
import type { CrmKind } from '../src/ports/crm.ts';
import type { LeadBinding } from './lead-wiring.ts';

/** The Salesforce connector's `lead` option from the mapping's `salesforce.lead` section (issue 16). */
export function salesforceLeadOptions(mapping: Mapping) {
  const lead = mapping.salesforce?.lead;
  if (!lead) return {};
  return {
    lead: {
      externalIdField: lead.externalIdField,
      declineStatuses: lead.decline.statuses,
      reasonField: lead.decline.reasonField,
      reasonMap: lead.decline.reasonMap,
      message: lead.message,
      expiryFields: lead.expiryFields,
    },
  };
}

/** The Dynamics connector's `lead` option from the mapping's `dynamics.lead` section (issue 16). */
export function dynamicsLeadOptions(mapping: Mapping) {
  const lead = mapping.dynamics?.lead;
  if (!lead) return {};
  return {
    lead: {
      alternateKey: lead.alternateKey,
      reasonMap: lead.decline.reasonMap,
      message: lead.message,
      expiryColumns: lead.expiryColumns,
    },
  };
}

/** The runtime's Lead binding for one CRM, when its mapping section has a lead section. */
export function leadBindingFor(kind: CrmKind, mapping: Mapping, leads: CrmLeads | undefined): LeadBinding | undefined {
  if (!mapping[kind]?.lead || !leads) return undefined;
  return {
    crm: leads,
    toDraft: (r, now) => toLeadDraft(kind, r, now, mapping),
    landsAsLead: (r) => landsAsLead(mapping, kind, r),
  };
}
