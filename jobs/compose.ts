import { readFile } from 'node:fs/promises';
import type { RedisConnection } from '../connectors/redis/connection.ts';
import type { Logger } from 'pino';
import type { Env } from '../src/config/env.ts';
import type { Referral } from '../src/domain/referral.ts';
import { FatalError } from '../src/errors.ts';
import { toOpportunityDraft } from '../src/mapping/apply.ts';
import type { Mapping } from '../src/mapping/schema.ts';
import type { CrmConnector, CrmKind, CrmOutbound } from '../src/ports/crm.ts';
import type { CrmShare } from '../src/ports/crm-share.ts';
import type { ValueFieldNames } from '../src/outbound/draft-values.ts';
import { routeReferral } from '../src/mapping/routing.ts';
import {
  createDynamicsConnector,
  type DynamicsConnector,
  type DynamicsOptionsInput,
} from '../connectors/dynamics/index.ts';
import { routeAllTo, type CrmBinding, type CrmRouter } from './crm-binding.ts';
import type { PartnerCenterClient, ReferralCreator, TokenProvider } from '../src/ports/partner-center.ts';
import { DEFAULT_REFERRAL_LINK } from '../src/mapping/schema.ts';
import { createPartnerCenterClient } from '../connectors/partner-center/partner-center.client.ts';
import { createTokenProvider, partnerCenterAuthFromEnv } from '../connectors/partner-center/token-provider.ts';
import { createRedisKeyValueStore } from '../connectors/redis/kv-store.ts';
import { createSalesforceConnector, type SalesforceConnector } from '../connectors/salesforce/index.ts';
import { loadMappingFile } from './mapping-file.ts';
import { toLevels } from '../src/expiry/levels.ts';
import { isContactMeRequest } from '../src/mapping/contact-me.ts';
import { createWebhookPoster } from '../connectors/webhook/webhook-poster.ts';
import type { OpsNotice } from '../src/health/ops-notice.ts';
import type { ExpiryOptions } from './expiry-queues.ts';
import type { FailureAlertOptions } from './failure-alerts.ts';
import { dynamicsLeadOptions, leadBindingFor, salesforceLeadOptions } from './lead-compose.ts';

/** What the at-risk list needs: levels and contact-me rules from the mapping file, the time zone. */
export function atRiskOptionsFor(
  env: Pick<Env, 'TIME_ZONE'>,
  mapping: Mapping,
): Pick<ExpiryOptions, 'levels' | 'timeZone' | 'isContactMe'> {
  return {
    levels: toLevels(mapping.expiry?.levelsHours),
    timeZone: env.TIME_ZONE,
    isContactMe: (r) => isContactMeRequest(mapping, r),
  };
}
import type { Deployment } from './mapping-versions.ts';

/** Expiry settings from env + mapping (levels and contact-me rules live in the mapping file). */
export function expiryOptionsFor(env: Env, mapping: Mapping, schedule: boolean): ExpiryOptions {
  return {
    ...atRiskOptionsFor(env, mapping),
    // Alerts link to the referral's Partner Center page when the template only needs the id.
    linkTemplate: /\{(?!id\})[^}]*\}/.test(mapping.referralLink)
      ? null
      : mapping.referralLink.replaceAll('{id}', '{referralId}'),
    webhook: env.ALERT_WEBHOOK_URL
      ? createWebhookPoster({
          url: env.ALERT_WEBHOOK_URL,
          format: env.ALERT_WEBHOOK_FORMAT,
          timeoutMs: env.ALERT_WEBHOOK_TIMEOUT_MS,
        })
      : undefined,
    scanIntervalMs: env.EXPIRY_SCAN_INTERVAL_MS,
    schedule,
  };
}

/** Ops notices (Redis data loss) go to the alert webhook when one is configured. */
export function opsNotifier(env: Env): ((notice: OpsNotice) => Promise<void>) | undefined {
  if (!env.ALERT_WEBHOOK_URL) return undefined;
  const poster = createWebhookPoster({
    url: env.ALERT_WEBHOOK_URL,
    format: env.ALERT_WEBHOOK_FORMAT,
    timeoutMs: env.ALERT_WEBHOOK_TIMEOUT_MS,
  });
  return (notice) => poster.postNotice(notice);
}

/** Failure alerts (issue 18) when ALERT_WEBHOOK_URL is set and FAILURE_ALERTS leaves a kind on. */
export function failureAlertOptionsFor(env: Env, schedule: boolean): FailureAlertOptions | undefined {
  if (!env.ALERT_WEBHOOK_URL || env.FAILURE_ALERTS.length === 0) return undefined;
  const poster = createWebhookPoster({
    url: env.ALERT_WEBHOOK_URL,
    format: env.ALERT_WEBHOOK_FORMAT,
    timeoutMs: env.ALERT_WEBHOOK_TIMEOUT_MS,
  });
  return {
    post: (digest, links) => poster.postDigest(digest, links),
    kinds: new Set(env.FAILURE_ALERTS),
    windowMs: env.FAILURE_ALERT_WINDOW_MS,
    stuckMs: env.FAILURE_ALERT_STUCK_MINUTES * 60_000,
    throttledJobs: env.FAILURE_ALERT_THROTTLED_JOBS,
    dashboardUrl: env.DASHBOARD_PUBLIC_URL ?? null,
    schedule,
  };
}

/** A CRM as the composition root builds it: the concrete connector type, for doctor's and the dashboard's checks. */
type CrmAdapterBinding = CrmBinding<(SalesforceConnector | DynamicsConnector) & CrmConnector & CrmOutbound & CrmShare>;

export interface Adapters {
  mapping: Mapping;
  tokens: TokenProvider;
  partnerCenter: PartnerCenterClient & ReferralCreator;
  /** The CRMs in use (CRM=both: two). */
  crms: CrmAdapterBinding[];
  /** Picks a referral's CRM: the mapping's routing rules with CRM=both, otherwise the one CRM. */
  route: CrmRouter;
}

/** Loads the mapping file and checks it has a section for every configured CRM. */
export async function loadMappingFor(env: Env): Promise<Mapping> {
  const mapping = await loadMappingFile(env.MAPPING_FILE);
  for (const kind of crmKinds(env)) {
    if (!mapping[kind])
      throw new FatalError(`${env.MAPPING_FILE}: CRM=${env.CRM} but the mapping file has no "${kind}" section`);
  }
  if (env.CRM === 'both' && !mapping.routing) {
    throw new FatalError(`${env.MAPPING_FILE}: CRM=both needs a "routing" section saying which referrals go where`);
  }
  return mapping;
}

const crmKinds = (env: Env): CrmKind[] => (env.CRM === 'both' ? ['salesforce', 'dynamics'] : [env.CRM]);

/** The CRMs this deployment writes to, as mapping versions are checked against (issue 17). */
export const deploymentOf = (env: Env): Deployment => ({ kinds: crmKinds(env), both: env.CRM === 'both' });

/**
 * Builds the real adapters from the environment (the composition root's half that does I/O).
 * `inForce`: the mapping version a worker starts with (jobs/mapping-versions.ts); absent: MAPPING_FILE.
 */
export async function buildAdapters(
  env: Env,
  log: Logger,
  redis: RedisConnection,
  inForce?: Mapping,
): Promise<Adapters> {
  const mapping = inForce ?? (await loadMappingFor(env));
  const tokens = createTokenProvider(
    partnerCenterAuthFromEnv(env, { kv: createRedisKeyValueStore(redis, env.REDIS_PREFIX) }),
  );
  const partnerCenter = createPartnerCenterClient({
    tokens,
    baseUrl: env.PARTNER_CENTER_API_URL,
    pageSize: env.PARTNER_CENTER_PAGE_SIZE,
    timeoutMs: env.HTTP_TIMEOUT_MS,
  });
  const crms: CrmAdapterBinding[] = [];
  /** Outbound sync for a CRM whose mapping names the fields it compares; off with OUTBOUND_SYNC=off. */
  const outboundOf = (crm: CrmAdapterBinding['connector'], valueFields: ValueFieldNames | undefined) =>
    env.OUTBOUND_SYNC === 'on' && valueFields
      ? {
          crm,
          rules: mapping.outbound,
          valueFields,
          pollIntervalMs: env.CRM_POLL_INTERVAL_MS,
          overlapMs: env.CRM_POLL_OVERLAP_MS,
        }
      : undefined;
  // Sharing writes the referral key the outbound poll then follows: on with outbound sync only.
  const shareOf = (crm: CrmAdapterBinding['connector'], shares: boolean) =>
    env.OUTBOUND_SYNC === 'on' && shares
      ? {
          partnerCenter,
          crm,
          rules: mapping.outbound.share,
          linkOf: referralLinkOf(mapping.referralLink),
          pollIntervalMs: env.CRM_POLL_INTERVAL_MS,
        }
      : undefined;
  for (const kind of crmKinds(env)) {
    const toDraft = (r: Referral, now: Date) => toOpportunityDraft(kind, r, now, mapping);
    if (kind === 'salesforce') {
      const section = mapping.salesforce;
      const connector = createSalesforceConnector(
        {
          ...(await salesforceOptions(env, mapping)),
          ...(section ? { outbound: { fields: section.outbound, rules: mapping.outbound } } : {}),
          ...salesforceLeadOptions(mapping),
        },
        log.child({ remote: 'salesforce' }),
      );
      const lead = leadBindingFor(kind, mapping, connector.leads);
      crms.push({
        connector,
        toDraft,
        expiry: connector,
        outbound: outboundOf(connector, section?.outbound),
        ...(lead ? { lead } : {}),
        share: shareOf(connector, Boolean(section?.outbound.share)),
      });
    } else {
      const section = mapping.dynamics;
      const connector = createDynamicsConnector(
        { ...dynamicsOptions(env, mapping), ...dynamicsLeadOptions(mapping) },
        log.child({ remote: 'dynamics' }),
      );
      // Dataverse keeps the currency as a lookup; the connector reads and binds it by ISO code.
      const valueFields = section ? { ...section.outbound, currency: 'transactioncurrencyid' } : undefined;
      const lead = leadBindingFor(kind, mapping, connector.leads);
      crms.push({
        connector,
        toDraft,
        expiry: connector,
        outbound: outboundOf(connector, valueFields),
        ...(lead ? { lead } : {}),
        share: shareOf(connector, Boolean(section?.outbound.share)),
      });
    }
  }
  const first = crms[0];
  if (!first) throw new FatalError('no CRM is configured (CRM)');
  const routing = mapping.routing;
  const route =
    env.CRM === 'both' && routing
      ? (r: Referral) => routeReferral(routing, r, mapping.referralLink)
      : routeAllTo(first.connector.kind);
  return { mapping, tokens, partnerCenter, crms, route };
}

function dynamicsOptions(env: Env, mapping: Mapping): DynamicsOptionsInput {
  const section = mapping.dynamics;
  return {
    url: env.DYNAMICS_URL ?? '',
    auth: {
      authorityHost: env.ENTRA_AUTHORITY_HOST,
      knownAuthorities: env.ENTRA_KNOWN_AUTHORITIES,
      tenantId: env.DYNAMICS_TENANT_ID ?? '',
      clientId: env.DYNAMICS_CLIENT_ID ?? '',
      clientSecret: env.DYNAMICS_CLIENT_SECRET ?? '',
      ...(env.DYNAMICS_SCOPE ? { scope: env.DYNAMICS_SCOPE } : {}),
      timeoutMs: env.TOKEN_TIMEOUT_MS,
    },
    timeoutMs: env.CRM_TIMEOUT_MS,
    ...(section
      ? {
          entitySet: section.entitySet,
          alternateKey: section.alternateKey,
          account: { entitySet: section.account?.entitySet ?? 'accounts', keyColumn: section.accountKeyColumn },
          expiryColumns: section.expiryColumns,
          stageColumns: section.stageColumns,
          outbound: { fields: section.outbound, rules: mapping.outbound },
        }
      : {}),
  };
}

async function salesforceOptions(env: Env, mapping: Mapping) {
  const clientId = env.SALESFORCE_CLIENT_ID ?? '';
  const auth =
    env.SALESFORCE_AUTH === 'jwt'
      ? {
          kind: 'jwt' as const,
          clientId,
          username: env.SALESFORCE_USERNAME ?? '',
          privateKey: env.SALESFORCE_PRIVATE_KEY ?? (await readPrivateKey(env.SALESFORCE_PRIVATE_KEY_FILE)),
        }
      : { kind: 'client_credentials' as const, clientId, clientSecret: env.SALESFORCE_CLIENT_SECRET ?? '' };
  const section = mapping.salesforce;
  return {
    loginUrl: env.SALESFORCE_LOGIN_URL,
    ...(env.SALESFORCE_INSTANCE_URL ? { instanceUrl: env.SALESFORCE_INSTANCE_URL } : {}),
    apiVersion: env.SALESFORCE_API_VERSION,
    auth,
    timeoutMs: env.CRM_TIMEOUT_MS,
    tokenTimeoutMs: env.TOKEN_TIMEOUT_MS,
    ...(section
      ? {
          objectName: section.object,
          externalIdField: section.externalIdField,
          accountKeyField: section.keyFields.account,
          taskKeyField: section.keyFields.task,
          expiryFields: section.expiryFields,
        }
      : {}),
  };
}

async function readPrivateKey(path: string | undefined): Promise<string> {
  if (!path) return '';
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new FatalError(`SALESFORCE_PRIVATE_KEY_FILE: cannot read the key file at the configured path`);
  }
}

/** The Partner Center page of a new referral: the mapping's referralLink when it needs only the id. */
export const referralLinkOf =
  (template: string) =>
  (id: string): string =>
    (/\{(?!id\})[^}]*\}/.test(template) ? DEFAULT_REFERRAL_LINK : template).replaceAll('{id}', encodeURIComponent(id));
