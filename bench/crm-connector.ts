import type { Referral } from '../src/domain/referral.ts';
import type { Logger } from '../src/log/logger.ts';
import type { Mapping } from '../src/mapping/schema.ts';
import { toOpportunityDraft } from '../src/mapping/apply.ts';
import type { CrmConnector, OpportunityDraft } from '../src/ports/crm.ts';
import { createDynamicsConnector } from '../connectors/dynamics/index.ts';
import { createSalesforceConnector } from '../connectors/salesforce/index.ts';
import { dynamicsLeadOptions, leadBindingFor, salesforceLeadOptions } from '../jobs/lead-compose.ts';
import type { LeadBinding } from '../jobs/lead-wiring.ts';
import type { CrmConfig } from './protocol.ts';

export interface BenchConnector {
  crm: CrmConnector;
  /** The default mapping's section for this CRM. */
  toDraft: (referral: Referral, now: Date) => OpportunityDraft;
  /** Signs in (token fetched) before any clock starts. */
  signIn(): Promise<void>;
  /** The runtime's Lead binding (with `leads`, from the mapping's lead section), as production builds it. */
  lead?: LeadBinding | undefined;
}

/**
 * The real connector against the bench's fake, configured from the mapping file as the
 * composition root (jobs/compose.ts) does: Salesforce by JWT, Dynamics by client credentials.
 * With `leads`, the connector gets the mapping's lead section and the binding comes from
 * leadBindingFor, as in jobs/compose.ts (issue 16).
 */
export function buildConnector(
  config: CrmConfig,
  mapping: Mapping,
  log?: Logger,
  opts: { leads?: boolean } = {},
): BenchConnector {
  if (config.kind === 'salesforce') {
    const section = mapping.salesforce;
    const crm = createSalesforceConnector(
      {
        loginUrl: config.url,
        auth: { kind: 'jwt', clientId: config.clientId, username: config.username, privateKey: config.privateKey },
        ...(section ? { objectName: section.object, externalIdField: section.externalIdField } : {}),
        ...(opts.leads ? salesforceLeadOptions(mapping) : {}),
      },
      log,
    );
    return {
      crm,
      lead: opts.leads ? leadBindingFor('salesforce', mapping, crm.leads) : undefined,
      toDraft: (r, now) => toOpportunityDraft('salesforce', r, now, mapping),
      signIn: async () => {
        await crm.signIn();
      },
    };
  }
  const section = mapping.dynamics;
  const crm = createDynamicsConnector(
    {
      url: config.url,
      auth: { ...config.metadata, clientId: config.clientId, clientSecret: config.clientSecret },
      timeoutMs: 30_000,
      ...(section
        ? {
            entitySet: section.entitySet,
            alternateKey: section.alternateKey,
            ...(section.account ? { account: { entitySet: section.account.entitySet } } : {}),
          }
        : {}),
      ...(opts.leads ? dynamicsLeadOptions(mapping) : {}),
    },
    log,
  );
  return {
    crm,
    lead: opts.leads ? leadBindingFor('dynamics', mapping, crm.leads) : undefined,
    toDraft: (r, now) => toOpportunityDraft('dynamics', r, now, mapping),
    // One cheap authenticated read: msal fetches the token on the first call.
    signIn: async () => {
      await crm.http.call({ method: 'GET', path: 'systemusers?$select=fullname' });
    },
  };
}
