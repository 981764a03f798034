import type { Logger } from '../../src/log/logger.ts';
import type { CrmConnector, CrmExpiryWriter, CrmOutbound, OpportunityDraft } from '../../src/ports/crm.ts';
import { AccountDirectory } from '../shared/account-directory.ts';
import { OwnerDirectory } from '../shared/owner-directory.ts';
import { checkDataverse, connectorColumns, type ColumnCheck, type ColumnRequirement } from './check-dataverse.ts';
import { activeUsersByEmail } from './users.ts';
import { closeOpportunity, type CloseDetails } from './close-opportunity.ts';
import { createDataverseHttp, type DataverseHttp } from './dataverse-http.ts';
import { createDataverseTokens } from './dataverse-auth.ts';
import { parseDynamicsOptions, scopeOf, type DynamicsOptions, type DynamicsOptionsInput } from './dynamics-options.ts';
import { applyExpiryWarning, readAppliedExpiry } from './expiry-writer.ts';
import { createDynamicsOutbound } from './outbound.ts';
import { readStamp } from './read-stamp.ts';
import { dynamicsLeads } from './leads.ts';
import type { CrmLeads } from '../../src/ports/crm-leads.ts';
import type { CrmShare } from '../../src/ports/crm-share.ts';
import { FatalError } from '../../src/errors.ts';
import { dynamicsShare } from './share-requests.ts';
import { upsertOpportunities, type DynamicsUpsertResult } from './upsert-opportunities.ts';

/** Options without credentials, safe to log or show in `doctor`. */
export type DynamicsSettings = Omit<DynamicsOptions, 'auth' | 'outbound'> & {
  tenantId: string;
  clientId: string;
  scope: string;
};

export interface DynamicsConnector extends CrmConnector, CrmExpiryWriter, CrmOutbound, CrmShare {
  readonly kind: 'dynamics';
  readonly settings: DynamicsSettings;
  /** Closed (Won/Lost) opportunities come back ok with `skipped` and are not written. */
  upsertOpportunities(drafts: OpportunityDraft[]): Promise<DynamicsUpsertResult[]>;
  /**
   * Closes an opportunity through the WinOpportunity / LoseOpportunity action (an
   * opportunityclose record plus the state change), as a seller would. For demos and tests:
   * the sync itself only reads outcomes.
   */
  closeOpportunity(crmId: string, outcome: 'won' | 'lost', details: CloseDetails): Promise<void>;
  /** The Web API client (service root, paging), for `doctor` checks and tests. */
  readonly http: DataverseHttp;
  /** For `doctor`: the connector's own columns and `extra` (the mapping's), checked against the table definitions. */
  checkColumns(extra: ColumnRequirement[]): Promise<ColumnCheck[]>;
  /** Referrals as leads (issue 16), when the options have `lead`. */
  readonly leads?: CrmLeads | undefined;
}

/**
 * The Dynamics 365 CrmConnector over the Dataverse Web API (axios + msal client credentials).
 * Reads no environment: the composition root passes options parsed from env. Throws
 * FatalError on invalid options (naming options, not values).
 */
export function createDynamicsConnector(input: DynamicsOptionsInput, log?: Logger): DynamicsConnector {
  const o = parseDynamicsOptions(input);
  const scope = scopeOf(o);
  const http = createDataverseHttp(o, createDataverseTokens(o, scope), log);
  const { auth, outbound, ...rest } = o;
  const settings: DynamicsSettings = { ...rest, tenantId: auth.tenantId, clientId: auth.clientId, scope };
  const upsert = {
    entitySet: o.entitySet,
    alternateKey: o.alternateKey,
    accountEntitySet: o.account.entitySet,
    accountKeyColumn: o.account.keyColumn,
    maxBatch: o.maxBatch,
    currencies: new Map<string, string>(),
    accounts: new AccountDirectory(),
    owners: new OwnerDirectory((emails) => activeUsersByEmail(http, emails)),
  };
  const out = createDynamicsOutbound(
    http,
    {
      entitySet: o.entitySet,
      alternateKey: o.alternateKey,
      fields: outbound.fields,
      rules: outbound.rules,
      stage: o.stageColumns.read,
      writeStage: o.stageColumns.write,
    },
    log,
  );
  // Share methods throw FatalError when `outbound.fields.share` is not configured.
  const share = dynamicsShare(http, () => {
    const columns = outbound.fields.share;
    if (!columns)
      throw new FatalError('dynamics: sharing is not configured (mapping dynamics.outbound.share is missing)');
    return { entitySet: o.entitySet, alternateKey: o.alternateKey, fields: outbound.fields, share: columns };
  });

  return {
    kind: 'dynamics',
    maxBatchSize: o.maxBatch,
    settings,
    http,
    upsertOpportunities: (drafts) =>
      drafts.length === 0 ? Promise.resolve([]) : upsertOpportunities(http, upsert, drafts, log),
    readStamp: (referralId) => readStamp(http, { entitySet: o.entitySet, alternateKey: o.alternateKey }, referralId),
    applyExpiryWarning: (w) => applyExpiryWarning(http, { entitySet: o.entitySet, expiryColumns: o.expiryColumns }, w),
    readAppliedExpiry: (q) => readAppliedExpiry(http, { entitySet: o.entitySet, expiryColumns: o.expiryColumns }, q),
    closeOpportunity: (crmId, outcome, details) => closeOpportunity(http, o.entitySet, crmId, outcome, details),
    listChangedSince: (cursor, overlapMs) => out.listChangedSince(cursor, overlapMs),
    getSnapshot: (crmId) => out.getSnapshot(crmId),
    writeStatus: (crmId, write) => out.writeStatus(crmId, write),
    listShareRequests: () => share.listShareRequests(),
    getShareRequest: (crmId) => share.getShareRequest(crmId),
    linkReferral: (crmId, link) => share.linkReferral(crmId, link),
    checkColumns: (extra) => checkDataverse(http, [...connectorColumns(o), ...extra]),
    ...(o.lead
      ? {
          leads: dynamicsLeads(
            http,
            {
              opportunitySet: o.entitySet,
              opportunityKey: o.alternateKey,
              alternateKey: o.lead.alternateKey,
              reasonMap: o.lead.reasonMap,
              message: o.lead.message,
              expiryColumns: o.lead.expiryColumns,
              maxBatch: o.maxBatch,
            },
            log,
          ),
        }
      : {}),
  };
}
