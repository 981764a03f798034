import { afterEach, describe, expect, it } from 'vitest';
import { RetryableError } from '../../src/errors.ts';
import type { OpportunityDraft } from '../../src/ports/crm.ts';
import { startStallServer, type StallServer } from '../../test/fakes/shared/stall-server.ts';
import { TEST_CLIENT_ID, TEST_USERNAME, testKeys } from '../../test/fakes/salesforce/salesforce-harness.ts';
import { createSalesforceConnector } from './salesforce.connector.ts';

/*
 * Issue 12: jsforce sends the OAuth token POST with its transport defaults (TOKEN_TIMEOUT_MS
 * here) and API calls with their own timeout (CRM_TIMEOUT_MS). A server that accepts and never
 * answers stands in for a hung login host or instance.
 */
const draft = (id: string): OpportunityDraft => ({
  referralId: id,
  fields: { Name: `Deal ${id}`, StageName: 'Prospecting', CloseDate: '2030-01-31' },
  account: null,
});

let server: StallServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

// The two timeouts differ so each test proves which one ended the call (the other is 60 s).
const connectorFor = (url: string, t: { timeoutMs: number; tokenTimeoutMs: number }) =>
  createSalesforceConnector({
    loginUrl: url,
    ...t,
    auth: { kind: 'jwt', clientId: TEST_CLIENT_ID, username: TEST_USERNAME, privateKey: testKeys().privateKey },
  });

describe('salesforce timeouts', () => {
  it('a token endpoint that never answers fails the sign-in as RetryableError', async () => {
    server = await startStallServer();
    const started = Date.now();
    const err = await connectorFor(server.url, { timeoutMs: 60_000, tokenTimeoutMs: 2_000 })
      .signIn()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect(String(err)).toMatch(/token endpoint in time \(timeout\)/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('an API call that never answers fails as RetryableError after the sign-in succeeded', async () => {
    // The token POST is answered; every API call is left hanging.
    server = await startStallServer((req, _body, res) => {
      if (!req.url?.startsWith('/services/oauth2/token')) return;
      const base = `http://${req.headers.host ?? ''}`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          access_token: 'at-stall',
          instance_url: base,
          id: `${base}/id/00D000000000001/005000000000001`,
          token_type: 'Bearer',
        }),
      );
    });
    server.stall(false);
    const connector = connectorFor(server.url, { timeoutMs: 2_000, tokenTimeoutMs: 60_000 });
    await connector.signIn();
    const err = await connector.upsertOpportunities([draft('SF-T1')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect(String(err)).not.toContain('at-stall');
  });
});
