import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { syncOnce } from '../../jobs/sync-once.ts';
import { createWebhookIntake } from '../../jobs/webhook-intake/intake.ts';
import { makeReferral } from '../fakes/partner-center/fixtures.ts';
import {
  CERT_HOST,
  CERT_PATH,
  makeTestCertificates,
  referralEvent,
  signedHeaders,
} from '../fakes/partner-center-webhook/test-certs.ts';
import { idle, startStack, type Stack } from './harness.ts';

let stack: Stack | undefined;
afterEach(async () => {
  nock.cleanAll();
  await stack?.close();
  stack = undefined;
});

describe('webhook → fetch → sync (real runtime, fakes)', () => {
  it('a referral-updated event makes the sync read the referral fresh, although an older copy is stored', async () => {
    const certs = makeTestCertificates();
    stack = await startStack();
    const r = makeReferral({ name: 'Harbor Health landing zone' }, 'co-sell');
    stack.pc.seed([r]);
    await syncOnce(stack.rt, { maxWaitMs: 60_000 });
    const [opp] = stack.sf.fake.records('Opportunity');
    expect(opp?.Name).toBe('Harbor Health landing zone');

    // Changed in Partner Center; no pull runs, so the stored copy is the old one.
    const current = stack.pc.get(r.id);
    stack.pc.upsert({ ...current, details: { ...(current?.details as object), dealValue: 99_000 } });

    // Only the certificate host is intercepted; the fakes on 127.0.0.1 are reached for real.
    nock(CERT_HOST).get(CERT_PATH).reply(200, certs.leaf.der);
    const intake = createWebhookIntake({
      connection: stack.redis,
      prefix: stack.prefix,
      attempts: 3,
      log: stack.logs.log,
    });
    try {
      const body = referralEvent(r.id, new Date());
      expect(
        await intake.handle({ headers: signedHeaders(certs.leaf, body), rawBody: Buffer.from(body) }),
      ).toMatchObject({ status: 202 });
    } finally {
      await intake.close();
    }
    await idle(stack.rt.syncQueue);
    expect(stack.sf.fake.record('Opportunity', String(opp?.Id))).toMatchObject({ Amount: 99_000 });
    expect(stack.sf.fake.records('Opportunity')).toHaveLength(1);
    expect((await stack.rt.referrals.get(r.id))?.details?.dealValue).toBe(99_000);
  });
});
