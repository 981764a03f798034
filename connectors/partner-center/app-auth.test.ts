import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, FatalError } from '../../src/errors.ts';
import { type FakePartnerCenter, startFakePartnerCenter } from '../../test/fakes/partner-center/server.ts';
import { createAppTokenProvider } from './app-auth.ts';
import { createTokenProvider } from './token-provider.ts';

const SCOPE = 'https://api.partner.microsoft.com/.default';
let fake: FakePartnerCenter;

beforeAll(async () => {
  fake = await startFakePartnerCenter({ clientId: 'pc-app', clientSecret: 'right-secret' });
});
afterAll(() => fake.close());

describe('app-only tokens (client credentials) against the fake', () => {
  it('gets a token, then reuses it while fresh', async () => {
    const provider = createTokenProvider({
      mode: 'app',
      ...fake.msalMetadata(fake.tenantId),
      clientId: 'pc-app',
      clientSecret: 'right-secret',
      scope: SCOPE,
    });
    const before = fake.counters.token;
    const [a, b] = await Promise.all([provider.getAccessToken(), provider.getAccessToken()]);
    expect(a).toBe(b);
    expect(await provider.getAccessToken()).toBe(a);
    expect(fake.issuedAccessTokens()).toContain(a);
    expect(fake.counters.token - before).toBe(1);
    expect(fake.counters.other).toBe(0);
  });

  it('a wrong client secret → AuthError naming the settings to check', async () => {
    const provider = createAppTokenProvider({
      ...fake.msalMetadata(fake.tenantId),
      clientId: 'pc-app',
      clientSecret: 'not-the-secret-7f3a',
      scope: SCOPE,
    });
    const err = await provider.getAccessToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toContain('PARTNER_CENTER_CLIENT_SECRET');
    expect((err as Error).message).not.toContain('not-the-secret-7f3a');
  });

  it('the `organizations` tenant cannot issue app tokens → FatalError naming PARTNER_CENTER_TENANT_ID', async () => {
    const provider = createAppTokenProvider({
      ...fake.msalMetadata('organizations'),
      clientId: 'pc-app',
      clientSecret: 'right-secret',
      scope: SCOPE,
    });
    const err = await provider.getAccessToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FatalError);
    expect((err as Error).message).toContain('PARTNER_CENTER_TENANT_ID');
  });
});
