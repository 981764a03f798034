import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, RateLimitedError, RetryableError, ValidationError } from '../../src/errors.ts';
import { makeReferral } from '../../test/fakes/partner-center/fixtures.ts';
import { createPartnerCenterClient } from './partner-center.client.ts';

// Edge cases the fake does not produce: foreign nextLinks, 204s, broken bodies, slow answers.
const API = 'https://api.partner.example';
const PATH = '/v1.0/engagements/referrals';
const tokens = { getAccessToken: async () => 'nock-token' };
const client = createPartnerCenterClient({ tokens, baseUrl: `${API}/`, timeoutMs: 200, correlationId: () => 'corr-1' });

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.isDone()).toBe(true);
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

async function drain(iterable: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of iterable) n++;
  return n;
}

describe('PartnerCenterClient edge cases (nock)', () => {
  it('sends the documented headers and OData query; one correlation id per traversal, a new request id per call', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const queries: string[] = [];
    const record = function (this: nock.ReplyFnContext, uri: string) {
      seen.push({ ...this.req.headers });
      queries.push(uri);
    };
    nock(API)
      .get(PATH)
      .query(true)
      .reply(function (uri) {
        record.call(this, uri);
        return [200, { value: [], '@odata.nextLink': `${PATH}?$skiptoken=abc` }]; // relative link
      })
      .get(PATH)
      .query({ $skiptoken: 'abc' })
      .reply(function (uri) {
        record.call(this, uri);
        return [200, { value: [] }];
      });
    await drain(
      client.listReferrals({ updatedSince: new Date('2025-03-01T00:00:00Z'), filter: "status eq 'New'", pageSize: 50 }),
    );
    expect(queries[0]).not.toContain('+'); // spaces as %20
    expect(decodeURIComponent(queries[0] ?? '')).toBe(
      `${PATH}?$filter=updatedDateTime ge 2025-03-01T00:00:00.000Z and (status eq 'New')&$orderby=updatedDateTime asc&$top=50`,
    );
    expect(seen[0]).toMatchObject({
      authorization: 'Bearer nock-token',
      accept: 'application/json',
      'ms-correlationid': 'corr-1',
    });
    expect(seen[1]).toMatchObject({ 'ms-correlationid': 'corr-1' });
    expect(seen[0]?.['client-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[0]?.['client-request-id']).not.toBe(seen[1]?.['client-request-id']);
  });

  it('refuses a nextLink to another origin, before sending the token there', async () => {
    nock(API)
      .get(PATH)
      .query(true)
      .reply(200, { value: [], '@odata.nextLink': 'https://evil.example/steal?$skiptoken=1' });
    const err = await drain(client.listReferrals({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toContain('https://evil.example');
  });

  it('upgrades an http nextLink on the API host to https (as in Microsoft’s sample)', async () => {
    nock(API)
      .get(PATH)
      .query(true)
      .reply(200, { value: [], '@odata.nextLink': 'http://api.partner.example/v1.0/referrals?$skiptoken=k1' })
      .get('/v1.0/referrals')
      .query({ $skiptoken: 'k1' })
      .reply(200, { value: [] });
    expect(await drain(client.listReferrals({}))).toBe(2);
  });

  it('stops on a nextLink that points back at the same page', async () => {
    nock(API)
      .get(PATH)
      .query({ $skiptoken: 'same' })
      .reply(200, { value: [], '@odata.nextLink': `${API}${PATH}?$skiptoken=same` })
      .get(PATH)
      .query(true)
      .reply(200, { value: [], '@odata.nextLink': `${API}${PATH}?$skiptoken=same` });
    await expect(drain(client.listReferrals({}))).rejects.toBeInstanceOf(ValidationError);
  });

  it('a page that fails its schema → ValidationError naming the field, never the body', async () => {
    nock(API)
      .get(PATH)
      .query(true)
      .reply(200, { values: ['SECRET-CUSTOMER-NAME'] });
    const err = await drain(client.listReferrals({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/\bvalue\b/);
    expect((err as Error).message).not.toContain('SECRET-CUSTOMER-NAME');
  });

  it('a referral that fails its schema on GET → ValidationError naming eTag', async () => {
    const { eTag: _e, ...noETag } = makeReferral({ id: 'r-9' });
    nock(API).get(`${PATH}/r-9`).reply(200, noETag);
    const err = await client.getReferral('r-9').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/referral r-9: eTag: /);
  });

  it('PATCH sends JSON Patch with If-Match and Prefer; a 204 answer is followed by a GET', async () => {
    const after = makeReferral({ id: 'r-1', status: 'Active' });
    let headers: Record<string, unknown> = {};
    nock(API)
      .patch(`${PATH}/r-1`, [{ op: 'replace', path: '/status', value: 'Active' }])
      .reply(function () {
        headers = { ...this.req.headers };
        return [204, ''];
      })
      .get(`${PATH}/r-1`)
      .reply(200, after);
    const result = await client.patchReferral('r-1', [{ op: 'replace', path: '/status', value: 'Active' }], '"etag-1"');
    expect(result).toMatchObject({ id: 'r-1', status: 'Active' });
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'if-match': '"etag-1"',
      prefer: 'return=representation',
    });
  });

  it('a slow answer times out as a RetryableError', async () => {
    nock(API).get(`${PATH}/slow`).delay(1_000).reply(200, {});
    const err = await client.getReferral('slow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).cause).toBeUndefined();
  });

  // The write-back PATCH goes over its own keep-alive client (issue 19): the same contract as axios.
  const op = [{ op: 'add' as const, path: '/externalReferenceId', value: '006X' }];

  it('a slow PATCH times out (HTTP_TIMEOUT_MS) as a RetryableError', async () => {
    nock(API).patch(`${PATH}/slow`).delay(1_000).reply(200, {});
    const err = await client.patchReferral('slow', op, '"e1"').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
  });

  it('a PATCH answered 429 is a RateLimitedError honouring Retry-After', async () => {
    nock(API)
      .patch(`${PATH}/r-1`)
      .reply(429, { error: { code: 'throttled', message: 'slow down' } }, { 'Retry-After': '2' });
    const err = await client.patchReferral('r-1', op, '"e1"').catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'RateLimitedError', retryAfterMs: 2000 });
    expect(err).toBeInstanceOf(RateLimitedError);
  });

  it('a PATCH answered 412 is a ConflictError naming the referral, without the token', async () => {
    nock(API)
      .patch(`${PATH}/r-1`)
      .reply(412, { error: { code: 'preconditionFailed', message: 'modified' } });
    const err = await client.patchReferral('r-1', op, '"e1"').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(String((err as Error).message)).toContain('r-1');
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain('nock-token');
  });

  it('a PATCH answered 401 is sent once more with a new token', async () => {
    const auth: unknown[] = [];
    nock(API)
      .patch(`${PATH}/r-1`)
      .times(2)
      .reply(function () {
        auth.push(this.req.headers.authorization);
        return auth.length === 1 ? [401, {}] : [200, makeReferral({ id: 'r-1', externalReferenceId: '006X' })];
      });
    const result = await client.patchReferral('r-1', op, '"e1"');
    expect(result.externalReferenceId).toBe('006X');
    expect(auth).toHaveLength(2);
  });
});
