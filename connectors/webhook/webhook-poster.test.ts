import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toExpiryAlert } from '../../src/expiry/alert.ts';
import { FatalError, RateLimitedError, RetryableError } from '../../src/errors.ts';
import { createWebhookPoster } from './webhook-poster.ts';

const HOST = 'https://hooks.example.test';
const PATH = '/services/T000/B000/sEcReTtOkEn';
const alert = toExpiryAlert(
  {
    referralId: 'ref-1',
    kind: 'warning',
    level: '72h',
    deadline: '2025-03-17T00:00:00.000Z',
    firedAt: '2025-03-14T00:00:00.000Z',
  },
  null,
  new Date('2025-03-14T00:00:00Z'),
  { timeZone: 'UTC', linkTemplate: null },
);
const poster = (timeoutMs = 2_000) => createWebhookPoster({ url: `${HOST}${PATH}`, format: 'slack', timeoutMs });

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
  }
  throw new Error('expected a failure');
}

describe('webhook poster', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.isDone()).toBe(true);
    nock.cleanAll();
  });
  afterAll(() => nock.enableNetConnect());

  it('posts the Slack body as JSON with the idempotency key in headers (#12)', async () => {
    nock(HOST)
      .post(
        PATH,
        (body: { text?: unknown; blocks?: unknown }) => typeof body.text === 'string' && Array.isArray(body.blocks),
      )
      .matchHeader('content-type', /application\/json/)
      .matchHeader('idempotency-key', 'referral-sync-expiry:ref-1:72h')
      .matchHeader('x-idempotency-key', 'referral-sync-expiry:ref-1:72h')
      .reply(200, 'ok');
    await poster().post(alert);
  });

  it('turns a 500 into a RetryableError that does not reveal the URL', async () => {
    nock(HOST).post(PATH).reply(500, 'rollup_error');
    const err = await failure(poster().post(alert));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.message).toContain('webhook 500');
    expect(err.message).not.toContain('sEcReTtOkEn');
    expect(JSON.stringify(err)).not.toContain('sEcReTtOkEn');
    expect(err.cause).toBeUndefined();
  });

  it("turns a 400 into a FatalError with Slack's error code", async () => {
    nock(HOST).post(PATH).reply(400, 'invalid_payload');
    const err = await failure(poster().post(alert));
    expect(err).toBeInstanceOf(FatalError);
    expect(err.message).toContain('invalid_payload');
  });

  it('honours Retry-After on a 429', async () => {
    nock(HOST).post(PATH).reply(429, '', { 'Retry-After': '30' });
    const err = await failure(poster().post(alert));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(30_000);
  });

  it('turns a timeout into a RetryableError', async () => {
    nock(HOST).post(PATH).delay(500).reply(200, 'ok');
    const err = await failure(poster(50).post(alert));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.message).not.toContain('sEcReTtOkEn');
  });

  it('turns a refused connection into a RetryableError', async () => {
    // nock 14's replyWithError never reaches axios (the request runs into the timeout instead),
    // so refuse for real: a loopback port that was just freed.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    nock.enableNetConnect('127.0.0.1');
    const local = createWebhookPoster({ url: `http://127.0.0.1:${port}/hook`, format: 'json', timeoutMs: 2_000 });
    const err = await failure(local.post(alert));
    nock.disableNetConnect();
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('rejects a URL that is not http(s) at construction', () => {
    expect(() => createWebhookPoster({ url: 'hooks.slack.com/x', format: 'slack' })).toThrow(FatalError);
  });
});
