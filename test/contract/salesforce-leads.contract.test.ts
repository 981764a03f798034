import { toLeadDraft } from '../../src/mapping/apply-lead.ts';
import { loadMappingFile } from '../../jobs/mapping-file.ts';
import { salesforceLeadOptions } from '../../jobs/lead-compose.ts';
import { startSalesforceHarness } from '../fakes/salesforce/salesforce-harness.ts';
import { runLeadContract } from './leads.contract.ts';

/* The lead contract against the Salesforce connector over HTTP to the fake org (default mapping). */
runLeadContract('salesforce', async () => {
  const m = await loadMappingFile('config/mapping.default.yaml');
  const h = await startSalesforceHarness({ fake: { pageSize: 2 }, connector: salesforceLeadOptions(m) });
  const leads = h.connector.leads;
  if (!leads) throw new Error('the default mapping has a salesforce.lead section');
  return {
    leads,
    opportunities: h.connector,
    leadDraftFor: (r, now) => toLeadDraft('salesforce', r, now, m),
    leadRows: () =>
      h.fake
        .records('Lead')
        .filter((l) => typeof l.Referral_Id__c === 'string')
        .map((l) => ({ crmId: String(l.Id), referralId: String(l.Referral_Id__c) })),
    sellerDisqualifies: (leadId) =>
      h.fake.updateAsUser(leadId, { Status: 'Closed - Not Converted', Referral_Decline_Reason__c: 'Competitor' }),
    declineReason: 'Customer chose another vendor',
    sellerConverts: (leadId) =>
      h.fake.convertLeadAsUser(leadId, { Name: 'Converted deal', Amount: 5000, CloseDate: '2030-06-30' }).opportunityId,
    tasksForLead: (leadId) => h.fake.records('Task').filter((t) => t.WhoId === leadId).length,
    close: () => h.close(),
  };
});
