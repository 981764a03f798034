import { readFile } from 'node:fs/promises';
import type { RedisConnection } from '../connectors/redis/connection.ts';
import type { Logger } from 'pino';
import type { Env } from '../src/config/env.ts';
import type { Referral } from '../src/domain/referral.ts';
import { FatalError } from '../src/errors.ts';
import { toOpportunityDraft } from '../src/mapping/apply.ts';
import type { Mapping } from '../src/mapping/schema.ts';
import type { CrmConnector, CrmKind, CrmOutbound, OpportunityDraft } from '../src/ports/crm.ts';
import type { ValueFieldNames } from '../src/outbound/draft-values.ts';
import { routeReferral } from '../src/mapping/routing.ts';
import {
  createDynamicsConnector,
  type DynamicsConnector,
  type DynamicsOptionsInput,
} from '../connectors/dynamics/index.ts';
import type { CrmBinding, RuntimeOptions } from './runtime.ts';
import type { PartnerCenterClient, TokenProvider } from '../src/ports/partner-center.ts';
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
import type { Deployment } from './mapping-versions.ts';

/** Expiry settings from env + mapping (levels and contact-me rules live in the mapping file). */
export function expiryOptionsFor(env: Env, mapping: Mapping, schedule: boolean): ExpiryOptions {
  return {
    levels: toLevels(mapping.expiry?.levelsHours),
    timeZone: env.TIME_ZONE,
    // Alerts link to the referral's Partner Center page when the template only needs the id.
    linkTemplate: /\{(?!id\})[^}]*\}/.test(mapping.referralLink)
      ? null
      : mapping.referralLink.replaceAll('{id}', '{referralId}'),
    isContactMe: (r) => isContactMeRequest(mapping, r),
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

/** One CRM in use: its connector, mapping and the fields outbound sync compares. */
export interface CrmAdapter {
  kind: CrmKind;
  connector: (SalesforceConnector | DynamicsConnector) & CrmConnector & CrmOutbound;
  toDraft: (referral: Referral, now: Date) => OpportunityDraft;
  valueFields: ValueFieldNames | null;
}

export interface Adapters {
  mapping: Mapping;
  tokens: TokenProvider;
  partnerCenter: PartnerCenterClient;
  /** The CRMs in use; the first is where referrals go unless routing says otherwise. */
  crms: CrmAdapter[];
  /** CRM=both: the mapping's routing rules. */
  route: ((referral: Referral) => CrmKind) | undefined;
  /** The first CRM's connector (doctor and status checks). */
  crm: CrmAdapter['connector'];
}

/** The runtime's CRM options: bindings per CRM, routing, outbound sync (off with OUTBOUND_SYNC=off). */
export function runtimeCrmOptions(
  env: Env,
  adapters: Adapters,
  schedule: boolean,
): Pick<RuntimeOptions, 'crm' | 'toDraft' | 'outbound' | 'additionalCrms' | 'route'> {
  const bindings: CrmBinding[] = adapters.crms.map((c) => ({
    crm: c.connector,
    toDraft: c.toDraft,
    outbound:
      env.OUTBOUND_SYNC === 'on' && c.valueFields
        ? {
            crm: c.connector,
            rules: adapters.mapping.outbound,
            valueFields: c.valueFields,
            pollIntervalMs: env.CRM_POLL_INTERVAL_MS,
            overlapMs: env.CRM_POLL_OVERLAP_MS,
            schedule,
          }
        : undefined,
  }));
  const [first, ...rest] = bindings;
  if (!first) throw new FatalError('no CRM is configured (CRM)');
  return {
    crm: first.crm,
    toDraft: first.toDraft,
    ...(first.outbound ? { outbound: first.outbound } : {}),
    ...(rest.length > 0 ? { additionalCrms: rest } : {}),
    ...(adapters.route ? { route: adapters.route } : {}),
  };
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
  const crms: CrmAdapter[] = [];
  for (const kind of crmKinds(env)) {
    const toDraft = (r: Referral, now: Date) => toOpportunityDraft(kind, r, now, mapping);
    if (kind === 'salesforce') {
      const section = mapping.salesforce;
      const connector = createSalesforceConnector(
        {
          ...(await salesforceOptions(env, mapping)),
          ...(section ? { outbound: { fields: section.outbound, rules: mapping.outbound } } : {}),
        },
        log.child({ remote: 'salesforce' }),
      );
      crms.push({ kind, connector, toDraft, valueFields: section?.outbound ?? null });
    } else {
      const section = mapping.dynamics;
      const connector = createDynamicsConnector(dynamicsOptions(env, mapping), log.child({ remote: 'dynamics' }));
      // Dataverse keeps the currency as a lookup; the connector reads and binds it by ISO code.
      const valueFields = section ? { ...section.outbound, currency: 'transactioncurrencyid' } : null;
      crms.push({ kind, connector, toDraft, valueFields });
    }
  }
  const routing = mapping.routing;
  const route =
    env.CRM === 'both' && routing ? (r: Referral) => routeReferral(routing, r, mapping.referralLink) : undefined;
  const first = crms[0];
  if (!first) throw new FatalError('no CRM is configured (CRM)');
  return { mapping, tokens, partnerCenter, crms, route, crm: first.connector };
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
