import { readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Env } from '../src/config/env.ts';
import type { Referral } from '../src/domain/referral.ts';
import { FatalError } from '../src/errors.ts';
import { toOpportunityDraft } from '../src/mapping/apply.ts';
import type { Mapping } from '../src/mapping/schema.ts';
import type { OpportunityDraft } from '../src/ports/crm.ts';
import type { PartnerCenterClient, TokenProvider } from '../src/ports/partner-center.ts';
import { createPartnerCenterClient } from '../connectors/partner-center/partner-center.client.ts';
import { createTokenProvider, partnerCenterAuthFromEnv } from '../connectors/partner-center/token-provider.ts';
import { createRedisKeyValueStore } from '../connectors/redis/kv-store.ts';
import { createSalesforceConnector, type SalesforceConnector } from '../connectors/salesforce/index.ts';
import { loadMappingFile } from './mapping-file.ts';
import { toLevels } from '../src/expiry/levels.ts';
import { isContactMeRequest } from '../src/mapping/contact-me.ts';
import { createWebhookPoster } from '../connectors/webhook/webhook-poster.ts';
import type { ExpiryOptions } from './expiry-queues.ts';

/** Expiry settings from env + mapping (levels and contact-me rules live in the mapping file). */
export function expiryOptionsFor(env: Env, mapping: Mapping, schedule: boolean): ExpiryOptions {
  return {
    levels: toLevels(mapping.expiry?.levelsHours),
    timeZone: env.TIME_ZONE,
    // Alerts link to the referral's Partner Center page when the template only needs the id.
    linkTemplate: /\{(?!id\})[^}]*\}/.test(mapping.referralLink) ? null : mapping.referralLink.replaceAll('{id}', '{referralId}'),
    isContactMe: (r) => isContactMeRequest(mapping, r),
    webhook: env.ALERT_WEBHOOK_URL
      ? createWebhookPoster({ url: env.ALERT_WEBHOOK_URL, format: env.ALERT_WEBHOOK_FORMAT, timeoutMs: env.ALERT_WEBHOOK_TIMEOUT_MS })
      : undefined,
    scanIntervalMs: env.EXPIRY_SCAN_INTERVAL_MS,
    schedule,
  };
}

/** Outbound settings (issue 4): rules from the mapping, timing from env; undefined when off. */
export function outboundOptionsFor(env: Env, adapters: Adapters, schedule: boolean) {
  const fields = adapters.mapping.salesforce?.outbound;
  if (env.OUTBOUND_SYNC === 'off' || !fields) return undefined;
  return {
    crm: adapters.crm, rules: adapters.mapping.outbound, valueFields: fields,
    pollIntervalMs: env.CRM_POLL_INTERVAL_MS, overlapMs: env.CRM_POLL_OVERLAP_MS, schedule,
  };
}

export interface Adapters {
  mapping: Mapping;
  tokens: TokenProvider;
  partnerCenter: PartnerCenterClient;
  crm: SalesforceConnector;
  toDraft: (referral: Referral, now: Date) => OpportunityDraft;
}

/** Loads the mapping file and checks it has a section for the configured CRM. */
export async function loadMappingFor(env: Env): Promise<Mapping> {
  const mapping = await loadMappingFile(env.MAPPING_FILE);
  if (!mapping[env.CRM]) {
    throw new FatalError(`${env.MAPPING_FILE}: CRM=${env.CRM} but the mapping file has no "${env.CRM}" section`);
  }
  return mapping;
}

/** Builds the real adapters from the environment (the composition root's half that does I/O). */
export async function buildAdapters(env: Env, log: Logger, redis: Redis): Promise<Adapters> {
  const mapping = await loadMappingFor(env);
  const tokens = createTokenProvider(partnerCenterAuthFromEnv(env, { kv: createRedisKeyValueStore(redis, env.REDIS_PREFIX) }));
  const partnerCenter = createPartnerCenterClient({ tokens, baseUrl: env.PARTNER_CENTER_API_URL, pageSize: env.PARTNER_CENTER_PAGE_SIZE });
  const crm = createSalesforceConnector(
    { ...(await salesforceOptions(env, mapping)), ...(mapping.salesforce ? { outbound: { fields: mapping.salesforce.outbound, rules: mapping.outbound } } : {}) },
    log.child({ remote: 'salesforce' }),
  );
  return { mapping, tokens, partnerCenter, crm, toDraft: (r, now) => toOpportunityDraft(env.CRM, r, now, mapping) };
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
    ...(section ? { objectName: section.object, externalIdField: section.externalIdField } : {}),
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
