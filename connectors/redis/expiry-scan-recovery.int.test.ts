import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expiryAlertJobId } from '../../src/expiry/alert.ts';
import { runExpiryScan } from '../../src/expiry/run-expiry-scan.ts';
import { createRedisExpiryLedger } from './expiry-ledger.ts';
import { harness, referral } from '../../test/redis/expiry-scan.fixture.ts';
import { testRedis, type TestRedis } from '../../test/redis/expiry-test-redis.ts';

/*
 * Issues 12 and 20: a reached level is posted even when its webhook job is lost or failed, and a
 * ledger that lost its data asks the CRM before anything fires again.
 */
describe('expiry scan: lost webhook jobs and a lost ledger', () => {
  let r: TestRedis;
  beforeEach(() => {
    r = testRedis();
  });
  afterEach(async () => {
    await r.cleanup();
  });
  const newLedger = (prefix = r.prefix) => createRedisExpiryLedger({ redis: r.connect(), prefix });
  const JOB_72H = expiryAlertJobId({ referralId: 'ref-1', level: '72h' });

  it('queues again a webhook job that is gone before it posted (#12)', async () => {
    const h = harness(newLedger(), [referral()], false, false);
    h.clock.set('2025-03-14T00:30:00Z');
    await runExpiryScan(h.deps);
    h.alerts.states.delete(JOB_72H); // lost with Redis, or removed
    expect(await runExpiryScan(h.deps)).toMatchObject({ warnings: 0, retryLater: 1 });
    expect(h.queued.map((j) => j.level)).toEqual(['72h', '72h']);
  });

  it('retries a webhook job the queue failed (stalled too often, out of attempts) (#12)', async () => {
    const h = harness(newLedger(), [referral()], false, false);
    h.clock.set('2025-03-14T00:30:00Z');
    await runExpiryScan(h.deps);
    h.alerts.states.set(JOB_72H, { state: 'failed' });
    await runExpiryScan(h.deps);
    expect(h.alerts.retried).toEqual([JOB_72H]);
  });

  it('completes the level once the job posted, even if the post was not recorded (#12)', async () => {
    const h = harness(newLedger(), [referral()], false, false);
    h.clock.set('2025-03-14T00:30:00Z');
    await runExpiryScan(h.deps);
    h.alerts.states.set(JOB_72H, { state: 'completed', result: 'posted' });
    expect(await runExpiryScan(h.deps)).toMatchObject({ warnings: 1 });
    expect(h.crm.applied.map((w) => w.level)).toEqual(['72h']);
    expect(h.queued).toHaveLength(1);
  });

  it('after the ledger lost its data, records what the CRM shows and fires only the rest (#20)', async () => {
    const h = harness(newLedger(), [referral()]);
    h.clock.set('2025-03-14T00:30:00Z');
    await runExpiryScan(h.deps);
    expect(h.crm.applied.map((w) => w.level)).toEqual(['72h']);

    const wiped = newLedger(`${r.prefix}:wiped`); // an empty Redis
    h.clock.set('2025-03-16T01:00:00Z');
    expect(await runExpiryScan(h.withLedger(wiped))).toMatchObject({ warnings: 1 });
    expect(h.crm.applied.map((w) => w.level)).toEqual(['72h', '24h']);
    expect(h.queued.map((j) => j.level)).toEqual(['72h', '24h']);
    expect((await wiped.read('ref-1')).fired).toEqual(new Set(['72h', '24h']));
    expect(h.crm.reads).toBe(2); // once per referral the ledger knew nothing of, not once per scan
  });

  it('fires nothing for a referral the ledger knows nothing of until its opportunity is known (#20)', async () => {
    const h = harness(newLedger(), [referral()], true);
    h.state.states.clear(); // the sync state went with Redis too
    h.clock.set('2025-03-14T00:30:00Z');
    expect(await runExpiryScan(h.deps)).toMatchObject({ notInCrm: 1, warnings: 0, contactMe: 0 });
    expect(h.queued).toEqual([]);
  });
});
