import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryableError } from '../../src/errors.ts';
import { msalMetadataFor } from '../../test/fakes/partner-center/msal-metadata.ts';
import { type FakePartnerCenter, startFakePartnerCenter } from '../../test/fakes/partner-center/server.ts';
import { forwardTo, startStallServer, type StallServer } from '../../test/fakes/shared/stall-server.ts';
import { createAppTokenProvider } from './app-auth.ts';

/*
 * Issue 12: a token endpoint that accepts the connection and never answers. Real msal-node
 * posts to a relay in front of the fake Entra; while the relay stalls, the renewal must end
 * as retryable within TOKEN_TIMEOUT_MS, and once it answers again the next call gets a token.
 */
let fake: FakePartnerCenter;
let relay: StallServer;

beforeAll(async () => {
  fake = await startFakePartnerCenter({ clientId: 'pc-app', clientSecret: 'right-secret' });
  relay = await startStallServer(forwardTo(fake.url));
});
afterAll(async () => {
  await relay.close();
  await fake.close();
});

describe('Partner Center token requests have a timeout', () => {
  it('a hung token endpoint fails every waiter as RetryableError, then the next call renews', async () => {
    const metadata = msalMetadataFor(relay.url, `https://${new URL(relay.url).host}`, fake.tenantId);
    const provider = createAppTokenProvider({
      ...metadata,
      clientId: 'pc-app',
      clientSecret: 'right-secret',
      scope: 'x/.default',
      tokenTimeoutMs: 2_000,
    });
    relay.stall(true);
    const started = Date.now();
    const waiters = await Promise.allSettled([provider.getAccessToken(), provider.getAccessToken()]);
    // Generous bound (a loaded 2-core machine); Node's own default held such a request ~300 s.
    expect(Date.now() - started).toBeLessThan(20_000);
    for (const w of waiters) expect((w as PromiseRejectedResult).reason).toBeInstanceOf(RetryableError);
    expect(String((waiters[0] as PromiseRejectedResult).reason)).not.toContain('right-secret');
    expect(relay.stalled).toBe(1); // the two waiters shared one request

    relay.stall(false);
    const token = await provider.getAccessToken();
    expect(fake.issuedAccessTokens()).toContain(token);
  });
});
