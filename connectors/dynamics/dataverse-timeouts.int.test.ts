import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryableError } from '../../src/errors.ts';
import { startDataverseHarness, type DataverseHarness } from '../../test/fakes/dataverse/dataverse-harness.ts';
import { msalMetadataFor } from '../../test/fakes/partner-center/msal-metadata.ts';
import { forwardTo, startStallServer, type StallServer } from '../../test/fakes/shared/stall-server.ts';
import type { OpportunityDraft } from '../../src/ports/crm.ts';

const draft = (id: string): OpportunityDraft => ({ referralId: id, fields: { name: `Deal ${id}` }, account: null });

/* Issue 12: Dataverse token requests and API calls end at their timeouts, as retryable failures. */
let h: DataverseHarness;
let relay: StallServer;
beforeAll(async () => {
  h = await startDataverseHarness();
  relay = await startStallServer(forwardTo(h.fake.url));
});
afterAll(async () => {
  await relay.close();
  await h.close();
});

describe('dataverse timeouts', () => {
  it('a hung token endpoint fails the call as RetryableError; it works once the endpoint answers', async () => {
    const real = h.fake.msalMetadata();
    const viaRelay = msalMetadataFor(relay.url, `https://${new URL(relay.url).host}`, real.tenantId);
    const connector = h.another({
      auth: {
        ...viaRelay,
        tenantId: real.tenantId,
        clientId: 'dv-client',
        clientSecret: 'dv-secret',
        scope: `${h.fake.url}/.default`,
        timeoutMs: 2_000,
      },
    });
    relay.stall(true);
    const err = await connector.upsertOpportunities([draft('DV-T1')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect(String(err)).toMatch(/timed out|timeout/);
    relay.stall(false);
    const [r] = await connector.upsertOpportunities([draft('DV-T1')]);
    expect(r).toMatchObject({ ok: true });
  });

  it('a hung API call fails as RetryableError within the call timeout', async () => {
    const api = await startStallServer();
    try {
      const meta = h.fake.msalMetadata();
      const connector = h.another({
        url: api.url,
        timeoutMs: 2_000,
        auth: { ...meta, clientId: 'dv-client', clientSecret: 'dv-secret', scope: `${h.fake.url}/.default` },
      });
      const err = await connector.upsertOpportunities([draft('DV-T2')]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RetryableError);
      expect(api.stalled).toBeGreaterThan(0);
    } finally {
      await api.close();
    }
  });
});
