import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError, RetryableError } from '../../src/errors.ts';
import type { OpportunityDraft } from '../../src/ports/crm.ts';
import {
  startSalesforceHarness,
  TEST_CLIENT_ID,
  TEST_USERNAME,
  testKeys,
  type SalesforceHarness,
} from '../../test/fakes/salesforce/salesforce-harness.ts';
import { createSalesforceConnector } from './salesforce.connector.ts';

const draft = (id: string): OpportunityDraft => ({
  referralId: id,
  fields: { Name: `Deal ${id}`, StageName: 'Prospecting', CloseDate: '2030-01-31' },
  account: null,
});

let h: SalesforceHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('salesforce sign-in', () => {
  it('signs in with a JWT bearer assertion and reports the integration user', async () => {
    h = await startSalesforceHarness();
    const who = await h.connector.signIn();
    expect(who).toEqual({ instanceUrl: h.fake.url, userId: h.fake.integrationUserId, orgId: h.fake.orgId });
    expect(h.fake.counters().token).toBe(1);
  });

  it('signs in with client credentials against the instance URL', async () => {
    h = await startSalesforceHarness({ auth: 'client_credentials' });
    const [r] = await h.connector.upsertOpportunities([draft('CC-1')]);
    expect(r).toMatchObject({ ok: true, created: true });
    expect(h.fake.counters().token).toBe(1);
  });

  it('signs in again transparently when the token expires mid-run', async () => {
    h = await startSalesforceHarness({ fake: { latencyMs: 5 } });
    await h.connector.upsertOpportunities([draft('T-1'), draft('T-2')]);
    h.fake.expireTokens();
    // Several calls in flight when the session dies: one refresh serves them all.
    const runs = await Promise.all([
      h.connector.upsertOpportunities([draft('T-3'), draft('T-4')]),
      h.connector.upsertOpportunities([draft('T-5'), draft('T-6')]),
      h.connector.upsertOpportunities([draft('T-7')]),
    ]);
    expect(runs.flat().every((r) => r.ok)).toBe(true);
    expect(h.fake.counters().token).toBe(2);
    expect(h.fake.records('Opportunity')).toHaveLength(7);
  });

  it('reports a wrong client secret as AuthError without the secret', async () => {
    h = await startSalesforceHarness();
    const c = createSalesforceConnector({
      loginUrl: h.fake.url,
      instanceUrl: h.fake.url,
      auth: { kind: 'client_credentials', clientId: TEST_CLIENT_ID, clientSecret: 'wrong-secret-123' },
    });
    const err = await c.signIn().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(String((err as Error).message)).toContain('invalid_client');
    expect(String((err as Error).message)).not.toContain('wrong-secret-123');
  });

  it('reports an assertion signed with another key as AuthError without the assertion', async () => {
    h = await startSalesforceHarness();
    const other = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const c = createSalesforceConnector({
      loginUrl: h.fake.url,
      auth: { kind: 'jwt', clientId: TEST_CLIENT_ID, username: TEST_USERNAME, privateKey: other.privateKey },
    });
    const err = await c.upsertOpportunities([draft('X-1')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toMatch(/invalid_grant/);
    expect((err as Error).message).not.toMatch(/eyJ/);
    expect(h.fake.counters().upsertSingle).toBe(0);
  });

  it('reports a wrong audience and a wrong username', async () => {
    h = await startSalesforceHarness();
    const { privateKey } = testKeys();
    const aud = createSalesforceConnector({
      loginUrl: h.fake.url,
      auth: {
        kind: 'jwt',
        clientId: TEST_CLIENT_ID,
        username: TEST_USERNAME,
        privateKey,
        audience: 'https://login.salesforce.com',
      },
    });
    await expect(aud.signIn()).rejects.toThrow(/audience is invalid/);
    const sub = createSalesforceConnector({
      loginUrl: h.fake.url,
      auth: { kind: 'jwt', clientId: TEST_CLIENT_ID, username: 'someone@else', privateKey },
    });
    await expect(sub.signIn()).rejects.toThrow(AuthError);
  });

  it('reports an unreadable private key without echoing it', async () => {
    const c = createSalesforceConnector({
      auth: { kind: 'jwt', clientId: 'x', username: 'y', privateKey: 'not-a-pem-SECRET' },
    });
    const err = await c.signIn().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).not.toContain('SECRET');
  });

  it('treats an unreachable token endpoint as retryable', async () => {
    h = await startSalesforceHarness();
    const url = h.fake.url;
    await h.close();
    h = undefined;
    const c = createSalesforceConnector({
      loginUrl: url,
      auth: { kind: 'jwt', clientId: TEST_CLIENT_ID, username: TEST_USERNAME, privateKey: testKeys().privateKey },
    });
    await expect(c.signIn()).rejects.toBeInstanceOf(RetryableError);
  });

  it('tags every request with Sforce-Call-Options: client=referral-sync', async () => {
    h = await startSalesforceHarness();
    await h.connector.upsertOpportunities([draft('H-1')]);
    await h.connector.upsertOpportunities([draft('H-2'), draft('H-3')]);
    await h.connector.describe('Opportunity');
    await h.connector.query('SELECT Id FROM Opportunity');
    const data = h.fake.requests().filter((r) => r.route !== 'token');
    expect(data.length).toBeGreaterThanOrEqual(4);
    expect(data.map((r) => r.callOptions)).toEqual(data.map(() => 'client=referral-sync'));
  });

  it('logs neither the access token, the assertion nor the private key', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        lines.push(chunk.toString());
        cb();
      },
    });
    h = await startSalesforceHarness({ log: pino({ level: 'trace' }, sink) });
    await h.connector.upsertOpportunities([draft('L-1')]);
    h.fake.expireTokens();
    await h.connector.upsertOpportunities([draft('L-2')]);
    const out = lines.join('');
    expect(out).toContain('salesforce signed in');
    expect(out).toContain('signing in again');
    expect(out).not.toContain(`${h.fake.orgId}!`);
    expect(out).not.toMatch(/eyJ|PRIVATE KEY/);
  });
});

describe('salesforce session refresh failures', () => {
  it('surfaces AuthError when signing in again is refused', async () => {
    let offsetMs = 0;
    h = await startSalesforceHarness({ fake: { now: () => new Date(Date.now() + offsetMs) } });
    await h.connector.upsertOpportunities([draft('R-1')]);
    h.fake.expireTokens();
    offsetMs = 3_600_000; // our assertion's exp is now in the fake's past
    const err = await h.connector.upsertOpportunities([draft('R-2')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toContain('expired authorization code');
  });
});
