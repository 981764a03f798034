import { toLeadDraft } from '../../src/mapping/apply-lead.ts';
import { loadMappingFile } from '../../jobs/mapping-file.ts';
import { dynamicsLeadOptions } from '../../jobs/lead-compose.ts';
import { startDataverseHarness } from '../fakes/dataverse/dataverse-harness.ts';
import { runLeadContract } from './leads.contract.ts';

/* The lead contract against the Dynamics 365 connector over HTTP to the fake Dataverse (default mapping). */
runLeadContract('dynamics', async () => {
  const m = await loadMappingFile('config/mapping.default.yaml');
  const h = await startDataverseHarness({ connector: { pageSize: 2, ...dynamicsLeadOptions(m) } });
  const leads = h.connector.leads;
  if (!leads) throw new Error('the default mapping has a dynamics.lead section');
  return {
    leads,
    opportunities: h.connector,
    leadDraftFor: (r, now) => toLeadDraft('dynamics', r, now, m),
    leadRows: () =>
      h.fake
        .records('leads')
        .filter((l) => typeof l.new_referralid === 'string')
        .map((l) => ({ crmId: String(l.leadid), referralId: String(l.new_referralid) })),
    // Disqualified (2) / No Longer Interested (6).
    sellerDisqualifies: (leadId) => void h.fake.updateAsUser(leadId, { statecode: 2, statuscode: 6 }, 'leads'),
    declineReason: 'Customer requirement not met',
    sellerConverts: (leadId) => h.fake.qualifyLeadAsUser(leadId, { estimatedvalue: 5000 }),
    tasksForLead: (leadId) => h.fake.records('tasks').filter((t) => t._regardingobjectid_value === leadId).length,
    close: () => h.close(),
  };
});
