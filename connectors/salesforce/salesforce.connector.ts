import type { Logger } from '../../src/log/logger.ts';
import type {
  CrmConnector,
  CrmExpiryWriter,
  CrmOutbound,
  ExpiryWarning,
  OpportunityDraft,
  UpsertResult,
} from '../../src/ports/crm.ts';
import { AccountDirectory } from '../shared/account-directory.ts';
import { SObjectDescribe, type CheckTarget, type FieldRequirement } from './check-salesforce.ts';
import { applyExpiryWarning, readAppliedExpiry } from './expiry-writer.ts';
import { OwnerDirectory } from '../shared/owner-directory.ts';
import { opportunityTeams } from './opportunity-team.ts';
import { activeUsersByEmail } from './users.ts';
import { readStamp } from './read-stamp.ts';
import { getSnapshot, listChangedSince, outboundSettings, readsTeams, writeStatus } from './outbound-sync.ts';
import { orgCurrencyReader, withOrgCurrency } from './org-currency.ts';
import { parseSalesforceOptions, type SalesforceOptions, type SalesforceOptionsInput } from './salesforce-options.ts';
import { createSalesforceSession, parseResponse } from './salesforce-session.ts';
import type { SignedIn } from './sign-in.ts';
import { MAX_COLLECTION, queryAll, type SfRow } from './sobject-writes.ts';
import { upsertOpportunities } from './upsert-opportunities.ts';
import { salesforceLeads } from './leads.ts';
import type { CrmLeads } from '../../src/ports/crm-leads.ts';
import type { CrmShare } from '../../src/ports/crm-share.ts';
import { salesforceShare, shareFields, shareSettings } from './share-requests.ts';

/** Options without credentials (a proxy URL may hold some too), safe to log or show in `doctor`. */
export type SalesforceSettings = Omit<SalesforceOptions, 'auth' | 'httpProxy'> & {
  authKind: SalesforceOptions['auth']['kind'];
};

export interface SalesforceConnector extends CrmConnector, CrmExpiryWriter, CrmOutbound, CrmShare, CheckTarget {
  readonly kind: 'salesforce';
  readonly settings: SalesforceSettings;
  /** Signs in now (otherwise the first call does). Throws AuthError/RetryableError. */
  signIn(): Promise<SignedIn>;
  /** `GET /sobjects/<object>/describe`; NotFoundError when the object is not visible. */
  describe(object: string): Promise<SObjectDescribe>;
  /** SOQL with every page fetched. The caller builds the SOQL (see soql.ts for literals). */
  query(soql: string): Promise<SfRow[]>;
  /** Referrals as Leads (issue 16), when the options have `lead`. */
  readonly leads?: CrmLeads | undefined;
}

/**
 * The Salesforce CrmConnector over jsforce. Reads no environment: the composition root passes
 * options parsed from env. Throws FatalError on invalid options (naming options, not values).
 */
export function createSalesforceConnector(input: SalesforceOptionsInput, log?: Logger): SalesforceConnector {
  const opts = parseSalesforceOptions(input);
  const session = createSalesforceSession(opts, log);
  // Customer Account ids by match key, for this org, for the life of the process.
  const accounts = new AccountDirectory();
  const teams = opportunityTeams(session, readsTeams(opts), log);
  const orgCurrency = orgCurrencyReader(session);
  // No currency field in the mapping (a single-currency org): the org's currency stands in (#15).
  const currencyOf = async () => (outboundSettings(opts).fields.currency === null ? orgCurrency() : null);
  // Share methods throw FatalError when `outbound.fields.share` is not configured (shareSettings).
  const share = salesforceShare(session, () => shareSettings(opts), orgCurrency);
  const owners = new OwnerDirectory((emails) => activeUsersByEmail(session, emails));
  const { auth, httpProxy: _proxy, ...rest } = opts;
  const settings: SalesforceSettings = { ...rest, authKind: auth.kind };

  return {
    kind: 'salesforce',
    maxBatchSize: MAX_COLLECTION,
    apiVersion: opts.apiVersion,
    settings,
    signIn: () => session.ready(),
    upsertOpportunities: (drafts: OpportunityDraft[]): Promise<UpsertResult[]> =>
      drafts.length === 0 ? Promise.resolve([]) : upsertOpportunities(session, opts, drafts, accounts, owners),
    readStamp: (referralId) => readStamp(session, opts, referralId),
    applyExpiryWarning: (w: ExpiryWarning) => applyExpiryWarning(session, opts, w),
    readAppliedExpiry: (q) => readAppliedExpiry(session, opts, q),
    // Outbound methods throw FatalError when `outbound` is not configured (outboundSettings).
    listChangedSince: async (cursor, overlapMs) => {
      const page = await listChangedSince(session, outboundSettings(opts), teams, cursor, overlapMs);
      if (page.snapshots.length === 0) return page;
      const currency = await currencyOf();
      return { ...page, snapshots: page.snapshots.map((s) => withOrgCurrency(s, currency)) };
    },
    getSnapshot: async (crmId) => {
      const snapshot = await getSnapshot(session, outboundSettings(opts), teams, crmId);
      return snapshot === null ? null : withOrgCurrency(snapshot, await currencyOf());
    },
    writeStatus: async (crmId, write) => writeStatus(session, outboundSettings(opts), crmId, write),
    listShareRequests: () => share.listShareRequests(),
    getShareRequest: (crmId) => share.getShareRequest(crmId),
    linkReferral: (crmId, link) => share.linkReferral(crmId, link),
    async describe(object) {
      const body = await session.call(
        { method: 'GET', url: `/sobjects/${encodeURIComponent(object)}/describe` },
        { object },
      );
      return parseResponse(SObjectDescribe, body, `${object} describe`);
    },
    query: (soql) => queryAll(session, soql),
    requiredFields: () => requiredFields(opts),
    ...(opts.lead ? { leads: salesforceLeads(session, opts, opts.lead, accounts, owners) } : {}),
  };
}

function requiredFields(o: SalesforceOptions): FieldRequirement[] {
  const opp = o.objectName;
  return [
    { object: opp, field: o.externalIdField, role: 'external-id', purpose: 'referral id (upsert key)' },
    { object: opp, field: 'AccountId', role: 'writable', purpose: 'customer account' },
    { object: opp, field: o.expiryFields.expiresAt, role: 'writable', purpose: 'referral expiry time' },
    { object: opp, field: o.expiryFields.level, role: 'writable', purpose: 'expiry warning level' },
    {
      object: 'Account',
      field: o.accountKeyField,
      role: 'external-id',
      purpose: 'customer match key (no duplicate accounts)',
    },
    { object: 'Task', field: o.taskKeyField, role: 'external-id', purpose: 'follow-up task key (one task per level)' },
    { object: 'Task', field: 'WhatId', role: 'writable', purpose: 'task linked to the opportunity' },
    { object: 'Task', field: 'ActivityDate', role: 'writable', purpose: 'task due date' },
    ...outboundFields(o),
    ...leadFields(o),
    ...shareFields(o),
  ];
}

/** Fields the Lead flow reads and writes (issue 16), when the mapping has a lead section. */
function leadFields(o: SalesforceOptions): FieldRequirement[] {
  if (!o.lead) return [];
  const l = o.lead;
  return [
    { object: 'Lead', field: l.externalIdField, role: 'external-id', purpose: 'referral id on the Lead (upsert key)' },
    { object: 'Lead', field: 'Status', role: 'readable', purpose: 'lead status (disqualified = decline)' },
    { object: 'Lead', field: 'IsConverted', role: 'readable', purpose: 'lead conversion (= accept)' },
    {
      object: 'Lead',
      field: 'ConvertedOpportunityId',
      role: 'readable',
      purpose: 'opportunity the lead was converted into',
    },
    { object: 'Lead', field: l.reasonField, role: 'readable', purpose: 'decline reason on the Lead' },
    { object: 'Lead', field: l.expiryFields.expiresAt, role: 'writable', purpose: 'referral expiry time on the Lead' },
    { object: 'Lead', field: l.expiryFields.level, role: 'writable', purpose: 'expiry warning level on the Lead' },
    ...(l.message === null
      ? []
      : [{ object: 'Lead', field: l.message, role: 'writable' as const, purpose: 'sync message on the Lead' }]),
    { object: 'Task', field: 'WhoId', role: 'writable', purpose: 'follow-up task linked to the Lead' },
  ];
}

/** Fields outbound sync reads and writes, when it is configured. */
function outboundFields(o: SalesforceOptions): FieldRequirement[] {
  if (!o.outbound) return [];
  const opp = o.objectName;
  const f = o.outbound.fields;
  const readable = (field: string | null, purpose: string): FieldRequirement[] =>
    field === null ? [] : [{ object: opp, field, role: 'readable', purpose }];
  return [
    { object: opp, field: 'StageName', role: 'writable', purpose: 'stage written back by outbound sync' },
    { object: opp, field: f.message, role: 'writable', purpose: 'sync message shown to the seller' },
    ...readable(f.decision, 'partner decision (accept/decline)'),
    ...readable(f.declineReason, 'decline reason'),
    ...readable(f.lostReason, 'lost reason'),
    ...readable(f.currency, 'deal currency'),
    ...readable(f.campaignId, 'campaign id'),
    ...(readsTeams(o)
      ? [
          {
            object: 'OpportunityTeamMember',
            field: 'UserId',
            role: 'readable' as const,
            purpose:
              'opportunity team, for extra team contacts (needs Team Selling; or set salesforce.outbound.teamMembers: false)',
          },
        ]
      : []),
  ];
}
