import { bindValue, dvError, type FakeReply } from './replies.ts';
import { BASE_CURRENCY_ID, type DataverseStore, type Row } from './store.ts';

/**
 * Status reasons per outcome (docs/dataverse-api.md, "Opportunity state and status"): 3 Won; 4 Canceled, 5 Out-Sold.
 * -1: the default.
 */
const STATUS = {
  won: { state: 1, allowed: [3], fallback: 3 },
  lost: { state: 2, allowed: [4, 5], fallback: 4 },
} as const;

/**
 * WinOpportunity / LoseOpportunity: creates the opportunityclose activity and moves the
 * opportunity to Won/Lost in one step, as the real actions do. 204 without a body.
 */
export function closeOpportunity(store: DataverseStore, outcome: 'won' | 'lost', body: unknown): FakeReply {
  const action = outcome === 'won' ? 'WinOpportunity' : 'LoseOpportunity';
  const params = typeof body === 'object' && body !== null ? (body as Row) : {};
  const close =
    typeof params.OpportunityClose === 'object' && params.OpportunityClose !== null
      ? (params.OpportunityClose as Row)
      : undefined;
  if (typeof params.Status !== 'number' || !close)
    return dvError(400, '0x80040203', `${action} needs Status and OpportunityClose.`);
  const spec = STATUS[outcome];
  const status = params.Status === -1 ? spec.fallback : params.Status;
  if (!(spec.allowed as readonly number[]).includes(status) && status < 100_000_000) {
    return dvError(
      400,
      '0x80040203',
      `${status} is not a valid status code for state code OpportunityState.${outcome === 'won' ? 'Won' : 'Lost'}.`,
    );
  }
  const bound = bindValue(store, 'opportunityid', close['opportunityid@odata.bind']);
  if ('error' in bound) return bound.error;
  const oppId = String(bound.cols._opportunityid_value);
  const opp = store.get('opportunities', oppId);
  if (!opp) return dvError(404, '0x80040217', `opportunity With Ids = ${oppId} Does Not Exist`);
  if (opp.statecode !== 0) return dvError(400, '0x80040203', 'The opportunity is already closed.');
  if (typeof close.subject !== 'string' || close.subject === '')
    return dvError(400, '0x80040203', 'opportunityclose.subject is required.');

  const today = new Date(Date.parse(store.stamp())).toISOString().slice(0, 10);
  store.insert('opportunitycloses', {
    subject: close.subject,
    description: close.description ?? null,
    actualrevenue: close.actualrevenue ?? null,
    actualend: close.actualend ?? today,
    ...bound.cols,
    statecode: 1, // an opportunityclose is created completed
    statuscode: 2,
  });
  store.update('opportunities', oppId, {
    statecode: spec.state,
    statuscode: status,
    actualclosedate: close.actualend ?? today,
    actualvalue: close.actualrevenue ?? (outcome === 'won' ? (opp.estimatedvalue ?? null) : null),
  });
  return { status: 204 };
}

/** Lead status reasons per state (crm-apis: lead): 3 Qualified; 4 Lost, 5 Cannot Contact, 6 No Longer Interested, 7 Canceled. */
const QUALIFIED = { state: 1, status: 3 } as const;

/**
 * QualifyLead, bound to a lead (`POST leads(<id>)/Microsoft.Dynamics.CRM.QualifyLead`), as the
 * seller's Qualify button runs it: with CreateOpportunity, a new opportunity whose
 * originatingleadid is the lead (name from the lead's subject, `opportunity` columns over that),
 * with CreateAccount an account from companyname; the lead becomes Qualified (1/3). Answers the
 * created records as entity references. A lead that is not open answers 400.
 */
export function qualifyLead(
  store: DataverseStore,
  leadId: string,
  body: unknown,
  opportunity: Row = {},
  by?: string,
): FakeReply {
  const params = typeof body === 'object' && body !== null ? (body as Row) : {};
  const lead = store.get('leads', leadId);
  if (!lead) return dvError(404, '0x80040217', `lead With Ids = ${leadId} Does Not Exist`);
  if (lead.statecode !== 0) return dvError(400, '0x8004d24f', 'The lead is closed and cannot be qualified.');
  if (typeof params.Status !== 'number' || params.Status !== QUALIFIED.status)
    return dvError(400, '0x80040203', `QualifyLead needs Status ${QUALIFIED.status} (Qualified).`);
  const created: Row[] = [];
  let accountId: string | undefined;
  if (params.CreateAccount === true) {
    const account = store.insert('accounts', { name: lead.companyname ?? lead.subject ?? 'Unknown' }, by);
    accountId = String(account.accountid);
    created.push({ '@odata.type': '#Microsoft.Dynamics.CRM.account', accountid: accountId });
  }
  if (params.CreateOpportunity === true) {
    // The lead's currency, else the environment's base currency, as for any new row with money columns.
    const currency =
      typeof lead._transactioncurrencyid_value === 'string' ? lead._transactioncurrencyid_value : BASE_CURRENCY_ID;
    const bound = bindValue(store, 'transactioncurrencyid', `/transactioncurrencies(${currency})`);
    const opp = store.insert(
      'opportunities',
      {
        name: lead.subject ?? lead.companyname ?? 'Qualified lead',
        ...('cols' in bound ? bound.cols : {}),
        _originatingleadid_value: lead.leadid,
        '_originatingleadid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'lead',
        ...(accountId
          ? { _customerid_value: accountId, '_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'account' }
          : {}),
        ...opportunity,
      },
      by,
    );
    created.push({ '@odata.type': '#Microsoft.Dynamics.CRM.opportunity', opportunityid: opp.opportunityid });
  }
  store.update('leads', leadId, { statecode: QUALIFIED.state, statuscode: QUALIFIED.status }, by);
  return { status: 200, body: { value: created } };
}
