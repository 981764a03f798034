import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisExpiryLedger } from '../../connectors/redis/expiry-ledger.ts';
import { harness, referral, silentLog } from '../redis/expiry-scan.fixture.ts';
import { testRedis, type TestRedis } from '../redis/expiry-test-redis.ts';
import { createWebhookPoster } from '../../connectors/webhook/webhook-poster.ts';
import { deliverExpiryAlert } from '../../src/expiry/deliver-alert.ts';
import { runExpiryScan, scanOneReferral } from '../../src/expiry/run-expiry-scan.ts';
import { RetryableError } from '../../src/errors.ts';

/*
 * Issue 5, done-when: "a webhook answering 500 is retried and the CRM still shows the level";
 * issue 20 ordered the effects: the CRM level follows the confirmed post, so that after Redis
 * loses the ledger the CRM tells which posts were made; a receiver down past the grace period
 * no longer holds the CRM back. Scan → webhook job → delivery against a nocked Slack webhook;
 * BullMQ's retry is played by calling the delivery again, as the webhook queue's processor would.
 */
describe('expiry: webhook failure does not hold up the CRM for long', () => {
  let r: TestRedis;
  beforeAll(() => nock.disableNetConnect());
  beforeEach(() => {
    r = testRedis();
  });
  afterEach(async () => {
    nock.cleanAll();
    await r.cleanup();
  });
  afterAll(() => nock.enableNetConnect());

  const setup = () => {
    const ledger = createRedisExpiryLedger({ redis: r.redis, prefix: r.prefix });
    const h = harness(ledger, [referral()], false, false);
    const deliver = {
      referrals: h.referrals,
      ledger,
      clock: h.clock,
      log: silentLog,
      timeZone: 'Europe/Berlin',
      linkTemplate: null,
      post: createWebhookPoster({ url: 'https://hooks.slack.test/services/T/B/x', format: 'slack', timeoutMs: 2_000 })
        .post,
      afterPosted: (referralId: string) => scanOneReferral(h.deps, referralId),
    };
    return { h, deliver };
  };

  it('retries a 500 from the webhook; the CRM shows the level once the retry posted', async () => {
    const { h, deliver } = setup();
    h.clock.set('2025-03-14T00:30:00Z');
    expect(await runExpiryScan(h.deps)).toMatchObject({ warnings: 0, retryLater: 1 });
    const [job] = h.queued;
    if (!job) throw new Error('expected a queued webhook job');
    const scope = nock('https://hooks.slack.test')
      .post('/services/T/B/x')
      .reply(500, 'rollup_error')
      .post('/services/T/B/x')
      .reply(200, 'ok');

    await expect(deliverExpiryAlert(deliver, job)).rejects.toBeInstanceOf(RetryableError);
    expect(h.crm.levelOf('006-ref-1')).toBeUndefined();
    expect(await deliverExpiryAlert(deliver, job)).toBe('posted');
    expect(h.crm.levelOf('006-ref-1')).toBe('72h'); // afterPosted ran the CRM effect at once
    expect(await deliverExpiryAlert(deliver, job)).toBe('already-posted'); // a duplicate job posts nothing
    expect(scope.isDone()).toBe(true);

    h.clock.set('2025-03-14T01:30:00Z');
    await runExpiryScan(h.deps);
    expect(h.crm.applied.map((w) => w.level)).toEqual(['72h']);
    expect(h.queued).toHaveLength(1);
  });

  it('applies the CRM level after the grace period while the receiver is still down', async () => {
    const { h, deliver } = setup();
    h.clock.set('2025-03-14T00:30:00Z');
    await runExpiryScan(h.deps);
    const [job] = h.queued;
    if (!job) throw new Error('expected a queued webhook job');
    nock('https://hooks.slack.test').post('/services/T/B/x').reply(503, '');
    await expect(deliverExpiryAlert(deliver, job)).rejects.toBeInstanceOf(RetryableError);

    h.clock.set('2025-03-14T00:39:00Z'); // 9 min: still waiting for the post
    expect(await runExpiryScan(h.deps)).toMatchObject({ warnings: 0, retryLater: 1 });
    expect(h.crm.applied).toEqual([]);
    h.clock.set('2025-03-14T00:41:00Z'); // past the 10 min grace
    expect(await runExpiryScan(h.deps)).toMatchObject({ warnings: 0, retryLater: 1 });
    expect(h.crm.levelOf('006-ref-1')).toBe('72h');
  });
});
