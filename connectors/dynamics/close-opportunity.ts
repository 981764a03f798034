import { ValidationError } from '../../src/errors.ts';
import type { DataverseHttp } from './dataverse-http.ts';
import { bindPath, isGuid } from './odata.ts';

export interface CloseDetails {
  /** Subject of the opportunityclose activity the action creates. */
  subject: string;
  description?: string | undefined;
  /** Status reason; defaults: 3 Won, 4 Canceled (5 is Out-Sold). */
  status?: number | undefined;
  actualRevenue?: number | undefined;
  /** Date the deal closed (YYYY-MM-DD); Dataverse uses today when absent. */
  actualEnd?: string | undefined;
}

const DEFAULT_STATUS = { won: 3, lost: 4 } as const;
/** opportunityclose.subject is a 200-character column. */
const SUBJECT_MAX = 200;

/**
 * Closes an opportunity as a seller would: the WinOpportunity / LoseOpportunity action, which
 * creates the opportunityclose activity and changes the state. PATCHing statecode to Won/Lost
 * is rejected by Dataverse for exactly that reason (docs/dataverse-api.md, "Opportunity state and status").
 */
export async function closeOpportunity(
  http: DataverseHttp,
  entitySet: string,
  crmId: string,
  outcome: 'won' | 'lost',
  d: CloseDetails,
): Promise<void> {
  if (!isGuid(crmId)) throw new ValidationError(`dynamics: '${crmId.slice(0, 40)}' is not an opportunity id`);
  const status = d.status ?? DEFAULT_STATUS[outcome];
  const allowed = outcome === 'won' ? [3] : [4, 5];
  // Custom status reasons exist (values of 100000000 and up) and belong to the state too.
  if (!allowed.includes(status) && status < 100_000_000)
    throw new ValidationError(`dynamics: status ${status} is not a ${outcome} status reason`);
  const close: Record<string, unknown> = {
    '@odata.type': 'Microsoft.Dynamics.CRM.opportunityclose',
    subject: d.subject.slice(0, SUBJECT_MAX),
    'opportunityid@odata.bind': bindPath(entitySet, crmId),
  };
  if (d.description !== undefined) close.description = d.description;
  if (d.actualRevenue !== undefined) close.actualrevenue = d.actualRevenue;
  if (d.actualEnd !== undefined) close.actualend = d.actualEnd;
  await http.call({
    method: 'POST',
    path: outcome === 'won' ? 'WinOpportunity' : 'LoseOpportunity',
    body: { Status: status, OpportunityClose: close },
  });
}
