import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, RetryableError } from '../../src/errors.ts';
import { registerWebhook } from '../../src/webhooks/register.ts';
import { createWebhookRegistrationClient } from './registration-client.ts';

const API = 'https://api.partnercenter.example';
const PATH = '/webhooks/v1/registration';
const tokens = { getAccessToken: async () => 'webhook-scope-token' };
const client = createWebhookRegistrationClient({ tokens, baseUrl: API });
const OURS = 'https://sync.contoso.example/webhooks/partner-center';
const existing = { WebhookUrl: 'https://other-tool.example/hook', WebhookEvents: ['subscription-updated'] };

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.isDone()).toBe(true);
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe('webhook registration through the API (nock)', () => {
  it('GETs with the bearer token; an existing registration for another URL is refused without --force: no write', async () => {
    nock(API, { reqheaders: { authorization: 'Bearer webhook-scope-token' } })
      .get(PATH)
      .reply(200, existing);
    const r = await registerWebhook(client, { url: OURS });
    expect(r).toMatchObject({ action: 'refused', existing: { webhookUrl: existing.WebhookUrl } });
  });

  it('with --force it PUTs our URL, the referral events and SignatureTokenToMsSignatureHeader', async () => {
    let sent: unknown;
    nock(API)
      .get(PATH)
      .reply(200, existing)
      .put(PATH, (b: unknown) => ((sent = b), true))
      .reply(200, { SubscriberId: 's-1', WebhookUrl: OURS, WebhookEvents: ['referral-created'] });
    const r = await registerWebhook(client, { url: OURS, force: true });
    expect(r).toMatchObject({ action: 'updated', registration: { webhookUrl: OURS, subscriberId: 's-1' } });
    expect(sent).toEqual({
      WebhookUrl: OURS,
      WebhookEvents: ['referral-created', 'referral-updated', 'related-referral-created', 'related-referral-updated'],
      SignatureTokenToMsSignatureHeader: true,
    });
  });

  it.each([
    ['404', () => nock(API).get(PATH).reply(404)],
    ['an empty 200', () => nock(API).get(PATH).reply(200, '')],
    ['a 200 without a URL', () => nock(API).get(PATH).reply(200, { WebhookUrl: null, WebhookEvents: [] })],
  ])('treats %s as no registration and POSTs', async (_name, setup) => {
    setup();
    nock(API)
      .post(PATH)
      .reply(200, { WebhookUrl: OURS, WebhookEvents: ['referral-created'] });
    expect((await registerWebhook(client, { url: OURS })).action).toBe('created');
  });

  it('a 401 is an AuthError, with no token in the message', async () => {
    nock(API).get(PATH).reply(401, { code: 'Unauthorized', description: 'token rejected' });
    const err: unknown = await registerWebhook(client, { url: OURS }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(String((err as Error).message)).not.toContain('webhook-scope-token');
  });

  it('a registration API that does not answer in time fails as RetryableError (HTTP_TIMEOUT_MS, issue 12)', async () => {
    nock(API).get(PATH).delay(2_000).reply(200, existing);
    const quick = createWebhookRegistrationClient({ tokens, baseUrl: API, timeoutMs: 100 });
    await expect(quick.get()).rejects.toBeInstanceOf(RetryableError);
  });
});
