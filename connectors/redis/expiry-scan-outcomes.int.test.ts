import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runExpiryScan } from '../../src/expiry/run-expiry-scan.ts';
import { createRedisExpiryLedger } from './expiry-ledger.ts';
import { harness, referral } from '../../test/redis/expiry-scan.fixture.ts';
import { testRedis, type TestRedis } from '../../test/redis/expiry-test-redis.ts';

describe('expiry scan: answers, expiry, failures, contact-me', () => {
  let r: TestRedis;
  beforeEach(() => {
    r = testRedis();
  });
  afterEach(async () => {
    await r.cleanup();
  });
  const newLedger = () => createRedisExpiryLedger({ redis: r.connect(), prefix: r.prefix });

  it('sends no more warnings once the referral is accepted after the first one', async () => {
    const ledger = newLedger();
    const h = harness(ledger, [referral()]);
    h.clock.set('2025-03-14T01:00:00Z');
    await runExpiryScan(h.deps);
    h.referrals.set(referral({ status: 'Active', substatus: 'Accepted' }));
    h.clock.set('2025-03-14T02:00:00Z');
    expect(await runExpiryScan(h.deps)).toMatchObject({ cleared: 1, warnings: 0 });
    for (const time of ['2025-03-16T01:00:00Z', '2025-03-16T21:00:00Z']) {
      h.clock.set(time);
      expect(await runExpiryScan(h.deps)).toMatchObject({ scanned: 0, warnings: 0 });
    }
    expect(h.crm.applied.map((w) => w.level)).toEqual(['72h']);
    expect(h.queued.map((j) => j.level)).toEqual(['72h']);
    expect(await ledger.read('ref-1')).toMatchObject({ closed: 'responded' });
    expect(await ledger.trackedIds()).toEqual([]);
  });

  it('clears a declined referral too, even if the store still indexes a stale New copy later', async () => {
    const h = harness(newLedger(), [referral()]);
    h.clock.set('2025-03-14T01:00:00Z');
    await runExpiryScan(h.deps);
    h.referrals.set(referral({ status: 'Closed', substatus: 'Declined' }));
    await runExpiryScan(h.deps);
    h.referrals.set(referral()); // an out-of-order write brings back the New copy
    h.clock.set('2025-03-16T01:00:00Z');
    expect(await runExpiryScan(h.deps)).toMatchObject({ warnings: 0 });
    expect(h.crm.applied.map((w) => w.level)).toEqual(['72h']);
  });

  it('gives an Expired referral no warnings, only one expired status update', async () => {
    const h = harness(newLedger(), [referral()]);
    h.clock.set('2025-03-10T00:00:00Z'); // seen while waiting, before any level
    await runExpiryScan(h.deps);
    h.referrals.set(referral({ status: 'Closed', substatus: 'Expired' }));
    for (const time of ['2025-03-17T01:00:00Z', '2025-03-17T02:00:00Z', '2025-03-18T00:00:00Z']) {
      h.clock.set(time);
      await runExpiryScan(h.deps);
    }
    expect(h.crm.applied.map((w) => [w.level, w.deadline.toISOString()])).toEqual([
      ['expired', '2025-03-17T00:00:00.000Z'],
    ]);
    expect(h.crm.applied[0]?.taskSubject).toMatch(/^Partner Center referral expired/);
    expect(h.queued).toEqual([]);
  });

  it('does nothing for a referral first seen already Expired', async () => {
    const h = harness(newLedger(), [referral({ status: 'Closed', substatus: 'Expired' })]);
    h.clock.set('2025-03-17T01:00:00Z');
    expect(await runExpiryScan(h.deps)).toMatchObject({ scanned: 0 });
    expect(h.crm.calls).toBe(0);
  });

  it('retries the CRM update after a failure and still applies it exactly once', async () => {
    const h = harness(newLedger(), [referral()]);
    h.crm.failures = 1;
    h.clock.set('2025-03-14T01:00:00Z');
    expect(await runExpiryScan(h.deps)).toMatchObject({ warnings: 0, crmFailures: 1, retryLater: 1 });
    expect(h.queued.map((j) => j.level)).toEqual(['72h']); // the webhook does not wait for the CRM
    h.clock.set('2025-03-14T02:00:00Z');
    expect(await runExpiryScan(h.deps)).toMatchObject({ warnings: 1, crmFailures: 0 });
    h.clock.set('2025-03-14T03:00:00Z');
    await runExpiryScan(h.deps);
    expect(h.crm.calls).toBe(2);
    expect(h.crm.applied.map((w) => w.level)).toEqual(['72h']);
    expect(h.queued.map((j) => j.level)).toEqual(['72h']);
  });

  it('holds later levels back in the CRM while an earlier one fails, so the level field never goes backwards', async () => {
    const h = harness(newLedger(), [referral()]);
    h.crm.failures = 1;
    h.clock.set('2025-03-16T03:00:00Z'); // 72 h and 24 h both due
    expect(await runExpiryScan(h.deps)).toMatchObject({ warnings: 0, retryLater: 2 });
    expect(h.crm.calls).toBe(1);
    expect(h.queued.map((j) => j.level)).toEqual(['72h', '24h']);
    h.clock.set('2025-03-16T04:00:00Z');
    expect(await runExpiryScan(h.deps)).toMatchObject({ warnings: 2 });
    expect(h.crm.applied.map((w) => w.level)).toEqual(['72h', '24h']);
    expect(h.queued.map((j) => j.level)).toEqual(['72h', '24h']);
  });

  it('waits for the inbound sync to create the opportunity before the CRM update', async () => {
    const h = harness(newLedger(), [referral()]);
    h.state.states.clear();
    h.clock.set('2025-03-14T01:00:00Z');
    expect(await runExpiryScan(h.deps)).toMatchObject({ notInCrm: 1, warnings: 0 });
    await h.state.put('ref-1', {
      eTag: '"e1"',
      draftHash: 'h',
      crm: 'salesforce',
      crmId: '006X',
      writtenBack: false,
      syncedAt: '',
    });
    h.clock.set('2025-03-14T02:00:00Z');
    expect(await runExpiryScan(h.deps)).toMatchObject({ warnings: 1 });
    expect(h.crm.applied.map((w) => [w.crmId, w.level])).toEqual([['006X', '72h']]);
    expect(h.queued).toHaveLength(1);
  });

  it('raises the contact-me alert once, at once: a webhook post and a CRM task, no level field (#20)', async () => {
    const h = harness(newLedger(), [referral()], true);
    for (const time of [
      '2025-03-03T10:00:00Z',
      '2025-03-03T11:00:00Z',
      '2025-03-05T00:00:00Z',
      '2025-03-07T00:00:00Z',
    ]) {
      h.clock.set(time);
      await runExpiryScan(h.deps);
    }
    expect(h.queued).toEqual([
      {
        referralId: 'ref-1',
        kind: 'contact-me',
        level: 'contact-me',
        deadline: '2025-03-06T09:14:00.000Z', // created + 72 h, its own clock
        firedAt: '2025-03-03T10:00:00.000Z',
      },
    ]);
    expect(h.crm.applied.map((w) => [w.level, w.setsLevel])).toEqual([['contact-me', false]]);
    expect(h.crm.levelOf('006-ref-1')).toBeUndefined();
  });
});
