import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Env, parseEnv } from '../../src/config/env.ts';
import { FatalError } from '../../src/errors.ts';
import { createMemoryKeyValueStore } from '../shared/key-value-store.ts';
import { partnerCenterAuthFromEnv } from './token-provider.ts';

const KEY = randomBytes(32).toString('base64');
function env(vars: Record<string, string>): Env {
  const parsed = parseEnv({
    PARTNER_CENTER_CLIENT_ID: 'client-1',
    SALESFORCE_CLIENT_ID: 'sf',
    SALESFORCE_USERNAME: 'u',
    SALESFORCE_PRIVATE_KEY: 'k',
    ...vars,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.env;
}

describe('partnerCenterAuthFromEnv', () => {
  it('delegated with the default file cache', () => {
    expect(partnerCenterAuthFromEnv(env({ TOKEN_CACHE_KEY: KEY }))).toEqual({
      mode: 'delegated',
      authorityHost: 'https://login.microsoftonline.com',
      tenantId: 'organizations',
      clientId: 'client-1',
      scope: 'https://api.partner.microsoft.com/.default',
      tokenTimeoutMs: 15000,
      tokenCache: { key: KEY, location: { kind: 'file', path: '.referral-sync/msal-cache.enc' } },
    });
  });

  it('delegated with TOKEN_CACHE_LOCATION=redis needs a key-value store', () => {
    const e = env({ TOKEN_CACHE_KEY: KEY, TOKEN_CACHE_LOCATION: 'redis' });
    expect(() => partnerCenterAuthFromEnv(e)).toThrow(FatalError);
    const kv = createMemoryKeyValueStore();
    expect(partnerCenterAuthFromEnv(e, { kv })).toMatchObject({ tokenCache: { location: { kind: 'kv', store: kv } } });
  });

  it('app mode with a sovereign authority and discovery metadata', () => {
    const e = env({
      PARTNER_CENTER_AUTH: 'app',
      PARTNER_CENTER_CLIENT_SECRET: 'secret',
      PARTNER_CENTER_TENANT_ID: 'contoso.onmicrosoft.us',
      ENTRA_AUTHORITY_HOST: 'https://login.microsoftonline.us',
    });
    expect(partnerCenterAuthFromEnv(e, { metadata: { authorityMetadata: '{}' } })).toEqual({
      mode: 'app',
      authorityHost: 'https://login.microsoftonline.us',
      tenantId: 'contoso.onmicrosoft.us',
      clientId: 'client-1',
      scope: 'https://api.partner.microsoft.com/.default',
      clientSecret: 'secret',
      authorityMetadata: '{}',
      tokenTimeoutMs: 15000,
    });
  });
});
