import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../jobs/logger.ts';
import { AuthError, FatalError, RateLimitedError } from '../../src/errors.ts';
import type { OpportunityDraft } from '../../src/ports/crm.ts';
import { startDataverseHarness, type DataverseHarness } from '../../test/fakes/dataverse/dataverse-harness.ts';
import { createDynamicsConnector } from './dynamics.connector.ts';

const draft = (id: string, name = `Deal ${id}`): OpportunityDraft => ({
  referralId: id,
  fields: { name },
  account: null,
});
const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => expect.fail('expected a failure'),
    (e: unknown) => e,
  );

let h: DataverseHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('dynamics sign-in', () => {
  it('gets one client-credentials token through msal and reuses it', async () => {
    h = await startDataverseHarness();
    await h.connector.upsertOpportunities([draft('R-1')]);
    await h.connector.upsertOpportunities([draft('R-2')]);
    expect(h.fake.counters.token).toBe(1);
    expect(h.connector.settings).toMatchObject({
      scope: `${h.fake.url}/.default`,
      apiPath: '/api/data/v9.2',
      maxBatch: 1000,
    });
    expect(JSON.stringify(h.connector.settings)).not.toContain('dv-secret');
  });

  it('retries a 401 once with a fresh token', async () => {
    h = await startDataverseHarness();
    await h.connector.upsertOpportunities([draft('R-1')]);
    h.fake.revokeAccessTokens();
    const [r] = await h.connector.upsertOpportunities([draft('R-2')]);
    expect(r).toMatchObject({ ok: true });
    expect(h.fake.counters).toMatchObject({ token: 2, unauthorized: 1 });
  });

  it('a revoked token is replaced once for concurrent calls: one new token, each call answered', async () => {
    h = await startDataverseHarness();
    await h.connector.upsertOpportunities([draft('R-1')]);
    h.fake.revokeAccessTokens();
    const results = await Promise.all([
      h.connector.upsertOpportunities([draft('R-2')]),
      h.connector.upsertOpportunities([draft('R-3')]),
      h.connector.upsertOpportunities([draft('R-4')]),
    ]);
    expect(results.flat().map((r) => r.ok)).toEqual([true, true, true]);
    expect(h.fake.counters.token).toBe(2);
  });

  it('gives up with AuthError when the fresh token is rejected too', async () => {
    h = await startDataverseHarness();
    h.fake.failNext(2, { status: 401, message: 'Authentication failed' });
    expect(await failure(h.connector.upsertOpportunities([draft('R-1')]))).toBeInstanceOf(AuthError);
  });

  it('reports a wrong client secret as AuthError', async () => {
    h = await startDataverseHarness();
    const wrong = h.another({
      auth: { ...h.fake.msalMetadata(), clientId: 'dv-client', clientSecret: 'not-the-secret' },
    });
    const err = await failure(wrong.upsertOpportunities([draft('R-1')]));
    expect(err).toBeInstanceOf(AuthError);
    expect(String((err as Error).message)).toMatch(/^dynamics: entra invalid_client: client secret is wrong — check/);
  });

  it('refuses invalid options naming the option, never the secret', () => {
    const make = (): unknown =>
      createDynamicsConnector({
        url: 'not a url',
        auth: { tenantId: 'organizations', clientId: 'c', clientSecret: 'top-secret-value' },
        alternateKey: 'New-Key',
      });
    expect(make).toThrow(FatalError);
    const message = (() => {
      try {
        make();
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message).toMatch(/url/);
    expect(message).toMatch(/auth\.tenantId/);
    expect(message).toMatch(/alternateKey/);
    expect(message).not.toContain('top-secret-value');
  });
});

describe('no bearer token in logs', () => {
  it('logs failed Dataverse calls and per-record errors without the token', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } });
    h = await startDataverseHarness({ log });
    await h.connector.upsertOpportunities([draft('R-0')]);
    h.fake.revokeAccessTokens(); // a logged 401 retry
    h.fake.failNext(1, { status: 429, retryAfter: '1' });
    const errors: unknown[] = [await failure(h.connector.upsertOpportunities([draft('R-1')]))];
    h.fake.failNext(2, { status: 401 });
    errors.push(await failure(h.connector.getSnapshot('00000000-0000-4000-8000-000000000000')));
    const [rejected] = await h.connector.upsertOpportunities([draft('R-2', 'x'.repeat(400))]);
    if (rejected?.ok !== false) throw new Error('expected a rejected record');
    errors.push(rejected.error);
    for (const err of errors) log.error({ err, referralId: 'R-1' }, 'dynamics call failed');

    const tokens = h.fake.issuedAccessTokens();
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    const output = lines.join('');
    expect(errors[0]).toBeInstanceOf(RateLimitedError);
    expect(output).toContain('"retryAfterMs":1000');
    expect(output).toContain('AuthError');
    expect(output).toContain('DataverseValidationError');
    expect(output).toContain('retrying once with a fresh token');
    for (const token of tokens) {
      expect(output).not.toContain(token);
      for (const err of errors) expect(inspect(err, { depth: 20, showHidden: true })).not.toContain(token);
    }
    expect(output).not.toContain('dv-secret');
  });
});
