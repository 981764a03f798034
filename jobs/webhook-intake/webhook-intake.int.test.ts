import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { QUEUE } from '../queues.ts';
import {
  CERT_HOST,
  CERT_PATH,
  makeTestCertificates,
  referralEvent,
  signedHeaders,
} from '../../test/fakes/partner-center-webhook/test-certs.ts';
import { createWebhookIntake, type WebhookIntake } from './intake.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const certs = makeTestCertificates();
const now = new Date(Date.parse(certs.leaf.cert.validFrom) + 3600_000);
const clock = { now: () => now };
const log = createLogger({ level: 'silent' });

let redis: Redis;
let prefix: string;
let queue: Queue;
let intake: WebhookIntake;
/** Requests nock saw that no interceptor matched (with net connect disabled they would fail anyway). */
let unmatched: string[];
const onNoMatch = (req: { host?: string; path?: string }) => unmatched.push(`${req.host ?? ''}${req.path ?? ''}`);

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/); // Redis is reached over TCP, but be explicit
  nock.emitter.on('no match', onNoMatch);
});
afterAll(() => {
  nock.emitter.removeListener('no match', onNoMatch);
  nock.enableNetConnect();
});
beforeEach(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  prefix = `wh-${randomBytes(4).toString('hex')}`;
  queue = new Queue(QUEUE.sync, { connection: redis, prefix });
  intake = createWebhookIntake({ connection: redis, prefix, attempts: 3, log, clock });
  unmatched = [];
});
afterEach(async () => {
  nock.cleanAll();
  await intake.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await redis.quit();
});

const serveCertificate = (times = 1) => nock(CERT_HOST).get(CERT_PATH).times(times).reply(200, certs.leaf.der);
const deliver = (body: string, headers: Record<string, string>) =>
  intake.handle({ headers, rawBody: Buffer.from(body) });
const queued = async () => queue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);

describe('Partner Center webhook intake (real Redis, BullMQ, nock for the certificate)', () => {
  it('a correctly signed event queues exactly one fetch-and-sync; the same event redelivered queues nothing more', async () => {
    const cert = serveCertificate();
    const id = randomUUID();
    const body = referralEvent(id, new Date(now.getTime() - 60_000));
    const first = await deliver(body, signedHeaders(certs.leaf, body));
    expect(first).toMatchObject({ status: 202, body: { status: 'accepted', duplicate: false } });
    expect(cert.isDone()).toBe(true);

    // Redelivery: same bytes; Partner Center may also send the signature in x-ms-signature.
    const again = await deliver(body, signedHeaders(certs.leaf, body));
    const { authorization, ...rest } = signedHeaders(certs.leaf, body);
    const viaMsHeader = await deliver(body, { ...rest, 'x-ms-signature': String(authorization) });
    expect(again).toMatchObject({ status: 202, body: { duplicate: true } });
    expect(viaMsHeader).toMatchObject({ status: 202, body: { duplicate: true } });

    const jobs = await queued();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.data).toEqual({ referralId: id, eTag: 'webhook', fetch: true });
    expect(jobs[0]?.id).toBe(first.body.jobId);
    expect(unmatched).toEqual([]); // the certificate came from the cache the second and third time
  });

  it('another change of the same referral is another job', async () => {
    serveCertificate();
    const id = randomUUID();
    for (const ago of [120_000, 60_000]) {
      const body = referralEvent(
        id,
        new Date(now.getTime() - ago),
        ago > 60_000 ? 'referral-created' : 'referral-updated',
      );
      expect((await deliver(body, signedHeaders(certs.leaf, body))).status).toBe(202);
    }
    expect(await queued()).toHaveLength(2);
  });

  it('a bad signature gets 401 and queues nothing', async () => {
    serveCertificate();
    const body = referralEvent(randomUUID(), now);
    const tampered = body.replace('referral-updated', 'referral-created');
    expect(await deliver(tampered, signedHeaders(certs.leaf, body))).toMatchObject({ status: 401 });
    expect(await deliver(body, signedHeaders(certs.rogue, body))).toMatchObject({ status: 401 }); // right URL, wrong key
    expect(await queued()).toHaveLength(0);
  });

  it('an unknown certificate host gets 401 without any HTTP request', async () => {
    const evil = nock('https://evil.blob.core.windows.net').get(CERT_PATH).reply(200, certs.rogue.der);
    const body = referralEvent(randomUUID(), now);
    for (const url of [
      `https://evil.blob.core.windows.net${CERT_PATH}`,
      `https://169.254.169.254${CERT_PATH}`,
      `http://3psostorageacct.blob.core.windows.net${CERT_PATH}`,
    ]) {
      expect(await deliver(body, signedHeaders(certs.rogue, body, url))).toMatchObject({ status: 401 });
    }
    expect(evil.isDone()).toBe(false);
    expect(unmatched).toEqual([]);
    expect(await queued()).toHaveLength(0);
  });

  it('a certificate from an issuer other than Microsoft gets 401, even at the allowed URL', async () => {
    nock(CERT_HOST).get(CERT_PATH).reply(200, certs.rogue.der);
    const body = referralEvent(randomUUID(), now);
    expect(await deliver(body, signedHeaders(certs.rogue, body))).toMatchObject({ status: 401 });
    expect(await queued()).toHaveLength(0);
  });

  it('a stale (replayed) event gets 400 and queues nothing', async () => {
    serveCertificate();
    const body = referralEvent(randomUUID(), new Date(now.getTime() - 7 * 3600_000));
    expect(await deliver(body, signedHeaders(certs.leaf, body))).toMatchObject({
      status: 400,
      body: { reason: expect.stringMatching(/stale/) },
    });
    expect(await queued()).toHaveLength(0);
  });

  it.each([
    ['not JSON', '{"EventName":"referral-updated",'],
    ['no ResourceUri', JSON.stringify({ EventName: 'referral-updated', ResourceChangeUtcDate: now.toISOString() })],
    [
      'a ResourceUri on another host',
      JSON.stringify({
        EventName: 'referral-updated',
        ResourceUri: 'https://evil.example/engagements/v1/referrals/abc',
        ResourceChangeUtcDate: now.toISOString(),
      }),
    ],
    [
      'a ResourceUri that is not a referral',
      JSON.stringify({
        EventName: 'referral-updated',
        ResourceUri: 'https://api.partnercenter.microsoft.com/v1/customers/x',
        ResourceChangeUtcDate: now.toISOString(),
      }),
    ],
  ])('a signed but malformed event (%s) gets 400 and queues nothing', async (_name, body) => {
    serveCertificate();
    expect(await deliver(body, signedHeaders(certs.leaf, body))).toMatchObject({ status: 400 });
    expect(await queued()).toHaveLength(0);
  });

  it("answers Microsoft's test event with 200 and queues nothing", async () => {
    serveCertificate();
    const body = JSON.stringify({
      EventName: 'test-created',
      ResourceUri: 'https://api.partnercenter.microsoft.com/webhooks/v1/registration/validationEvents/x',
      ResourceName: 'test',
      AuditUri: null,
      ResourceChangeUtcDate: now.toISOString(),
    });
    expect(await deliver(body, signedHeaders(certs.leaf, body))).toMatchObject({
      status: 200,
      body: { status: 'ignored' },
    });
    expect(await queued()).toHaveLength(0);
  });

  it('answers 503 when the certificate cannot be fetched now, so Partner Center delivers again', async () => {
    nock(CERT_HOST).get(CERT_PATH).reply(503);
    const body = referralEvent(randomUUID(), now);
    expect(await deliver(body, signedHeaders(certs.leaf, body))).toMatchObject({ status: 503 });
    expect(await queued()).toHaveLength(0);
  });

  it('refuses unsigned requests and oversized bodies before reading them', async () => {
    const body = referralEvent(randomUUID(), now);
    expect(await deliver(body, { 'content-type': 'application/json' })).toMatchObject({ status: 401 });
    expect(await deliver('x'.repeat(20_000), signedHeaders(certs.leaf, 'x'))).toMatchObject({ status: 413 });
    expect(unmatched).toEqual([]);
    expect(await queued()).toHaveLength(0);
  });
});
