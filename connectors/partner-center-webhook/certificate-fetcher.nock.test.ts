import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, RetryableError, ValidationError } from '../../src/errors.ts';
import {
  CERT_HOST,
  CERT_PATH,
  CERT_URL,
  makeTestCertificates,
} from '../../test/fakes/partner-center-webhook/test-certs.ts';
import { createCertificateFetcher } from './certificate-fetcher.ts';

const certs = makeTestCertificates();
const policy = { allowedHosts: ['3psostorageacct.blob.core.windows.net'] };
let nowMs = Date.parse(certs.leaf.cert.validFrom) + 60_000;
const clock = { now: () => new Date(nowMs) };

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.isDone()).toBe(true);
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe('certificate fetcher (nock)', () => {
  it('reads DER and PEM, and serves repeats from the cache until the TTL', async () => {
    const f = createCertificateFetcher({ policy, clock, ttlMs: 60_000 });
    nock(CERT_HOST).get(CERT_PATH).reply(200, certs.leaf.der).get('/cert/pem.cer').reply(200, certs.leaf.pem);
    expect((await f.get(CERT_URL)).fingerprint256).toBe(certs.leaf.cert.fingerprint256);
    expect((await f.get(CERT_URL)).fingerprint256).toBe(certs.leaf.cert.fingerprint256); // no second request
    expect((await f.get(`${CERT_HOST}/cert/pem.cer`)).fingerprint256).toBe(certs.leaf.cert.fingerprint256);
    nowMs += 61_000;
    nock(CERT_HOST).get(CERT_PATH).reply(200, certs.leaf.der);
    await f.get(CERT_URL);
  });

  it('shares one request between concurrent callers', async () => {
    const f = createCertificateFetcher({ policy, clock });
    nock(CERT_HOST).get(CERT_PATH).delay(50).reply(200, certs.leaf.der);
    const got = await Promise.all([f.get(CERT_URL), f.get(CERT_URL), f.get(CERT_URL)]);
    expect(new Set(got.map((c) => c.fingerprint256)).size).toBe(1);
  });

  it('makes no request for a URL off the allow-list', async () => {
    const f = createCertificateFetcher({ policy, clock });
    const evil = nock('https://evil.blob.core.windows.net').get(CERT_PATH).reply(200, certs.rogue.der);
    await expect(f.get(`https://evil.blob.core.windows.net${CERT_PATH}`)).rejects.toBeInstanceOf(ValidationError);
    expect(evil.isDone()).toBe(false);
    nock.cleanAll();
  });

  it('does not follow a redirect', async () => {
    const f = createCertificateFetcher({ policy, clock });
    nock(CERT_HOST).get(CERT_PATH).reply(302, '', { Location: 'https://evil.example/c.cer' });
    const evil = nock('https://evil.example').get('/c.cer').reply(200, certs.rogue.der);
    await expect(f.get(CERT_URL)).rejects.toThrow();
    expect(evil.isDone()).toBe(false);
    nock.cleanAll();
  });

  it.each([
    ['a 404', () => nock(CERT_HOST).get(CERT_PATH).reply(404), NotFoundError, /404/],
    [
      'a body that is not a certificate',
      () => nock(CERT_HOST).get(CERT_PATH).reply(200, 'hello'),
      ValidationError,
      /X\.509/,
    ],
    [
      'an oversized body',
      () => nock(CERT_HOST).get(CERT_PATH).reply(200, Buffer.alloc(70_000, 1)),
      ValidationError,
      /larger than 65536/,
    ],
    ['a 503 (retry later)', () => nock(CERT_HOST).get(CERT_PATH).reply(503), RetryableError, /503/],
    [
      'a timeout (retry later)',
      () => nock(CERT_HOST).get(CERT_PATH).delay(300).reply(200, certs.leaf.der),
      RetryableError,
      /timeout/,
    ],
  ])('fails on %s, and remembers the failure briefly', async (_name, setup, type, text) => {
    const f = createCertificateFetcher({ policy, clock, timeoutMs: 100, failureTtlMs: 10_000 });
    setup();
    const err: unknown = await f.get(CERT_URL).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(text);
    await expect(f.get(CERT_URL)).rejects.toBeInstanceOf(type); // from the cache: nock would refuse a second call
    nock.abortPendingRequests();
  });

  it('downloads at most maxConcurrent certificates at once, refusing the rest as retryable (#14)', async () => {
    const f = createCertificateFetcher({ policy, clock, maxConcurrent: 2 });
    const urls = Array.from({ length: 10 }, (_, i) => `/cert/flood-${i}.cer`);
    const scope = nock(CERT_HOST);
    for (const path of urls) scope.get(path).delay(20).reply(200, certs.leaf.der);
    const results = await Promise.allSettled(urls.map((path) => f.get(`${CERT_HOST}${path}`)));
    expect(scope.pendingMocks()).toHaveLength(8); // 8 requests never made
    nock.cleanAll();
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(refused.map((e) => e instanceof RetryableError)).toEqual(Array(8).fill(true));
  });

  it('starts at most maxPerMinute downloads a minute (#14)', async () => {
    const f = createCertificateFetcher({ policy, clock, maxPerMinute: 3 });
    const scope = nock(CERT_HOST);
    for (let i = 0; i < 4; i += 1) scope.get(`/cert/rate-${i}.cer`).reply(200, certs.leaf.der);
    for (let i = 0; i < 3; i += 1) await f.get(`${CERT_HOST}/cert/rate-${i}.cer`);
    await expect(f.get(`${CERT_HOST}/cert/rate-3.cer`)).rejects.toBeInstanceOf(RetryableError);
    expect(scope.pendingMocks()).toHaveLength(1); // the fourth request was not made
    nowMs += 61_000;
    await f.get(`${CERT_HOST}/cert/rate-3.cer`);
  });
});
