import type { Env } from '../../src/config/env.ts';
import { FatalError } from '../../src/errors.ts';
import type { TokenProvider } from '../../src/ports/partner-center.ts';
import type { Clock } from '../../src/ports/clock.ts';
import type { KeyValueStore } from '../shared/key-value-store.ts';
import { type AppAuthOptions, createAppTokenProvider } from './app-auth.ts';
import { createDelegatedTokenProvider, type DelegatedAuthOptions } from './delegated-auth.ts';
import type { EntraOptions } from './msal-config.ts';
import type { TokenCacheLocation } from './token-cache-store.ts';

/** PARTNER_CENTER_AUTH picks the flow; each carries its own options. */
export type PartnerCenterAuthOptions =
  ({ mode: 'delegated' } & DelegatedAuthOptions) | ({ mode: 'app' } & AppAuthOptions);

export function createTokenProvider(options: PartnerCenterAuthOptions, clock?: Clock): TokenProvider {
  return options.mode === 'app' ? createAppTokenProvider(options, clock) : createDelegatedTokenProvider(options, clock);
}

/**
 * Maps the parsed environment onto auth options. `kv` is needed only for
 * TOKEN_CACHE_LOCATION=redis (connectors/redis/kv-store.ts). `metadata` passes msal discovery
 * JSON for sovereign/air-gapped authorities or a local fake (see EntraOptions).
 */
export function partnerCenterAuthFromEnv(
  env: Env,
  deps: { kv?: KeyValueStore; metadata?: Pick<EntraOptions, 'authorityMetadata' | 'cloudDiscoveryMetadata'> } = {},
): PartnerCenterAuthOptions {
  const entra: EntraOptions = {
    authorityHost: env.ENTRA_AUTHORITY_HOST,
    ...(env.ENTRA_KNOWN_AUTHORITIES.length > 0 ? { knownAuthorities: env.ENTRA_KNOWN_AUTHORITIES } : {}),
    tenantId: env.PARTNER_CENTER_TENANT_ID,
    clientId: env.PARTNER_CENTER_CLIENT_ID,
    scope: env.PARTNER_CENTER_SCOPE,
    tokenTimeoutMs: env.TOKEN_TIMEOUT_MS,
    ...deps.metadata,
  };
  if (env.PARTNER_CENTER_AUTH === 'app') {
    if (!env.PARTNER_CENTER_CLIENT_SECRET)
      throw new FatalError('PARTNER_CENTER_CLIENT_SECRET is required when PARTNER_CENTER_AUTH=app');
    return { mode: 'app', ...entra, clientSecret: env.PARTNER_CENTER_CLIENT_SECRET };
  }
  if (!env.TOKEN_CACHE_KEY) throw new FatalError('TOKEN_CACHE_KEY is required when PARTNER_CENTER_AUTH=delegated');
  return {
    mode: 'delegated',
    ...entra,
    tokenCache: { key: env.TOKEN_CACHE_KEY, location: cacheLocation(env.TOKEN_CACHE_LOCATION, deps.kv) },
  };
}

function cacheLocation(setting: string, kv: KeyValueStore | undefined): TokenCacheLocation {
  if (setting === 'redis') {
    if (!kv)
      throw new FatalError(
        'TOKEN_CACHE_LOCATION=redis needs a key-value store; pass one from connectors/redis/kv-store.ts',
      );
    return { kind: 'kv', store: kv };
  }
  return { kind: 'file', path: setting.replace(/^file:/, '') };
}
