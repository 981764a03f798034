import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runExpiryScan } from '../../src/expiry/run-expiry-scan.ts';
import { createRedisExpiryLedger } from './expiry-ledger.ts';
import { at, harness, referral, tally } from '../../test/redis/expiry-scan.fixture.ts';
import { testRedis, type TestRedis } from '../../test/redis/expiry-test-redis.ts';

/** Hourly scan times from creation to past the deadline (2025-03-17T00:00Z). */
const hourly = (from: string, to: string): string[] => {
  const out: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += 3_600_000) out.push(new Date(t).toISOString());
  return out;
};

describe('expiry scan: levels fire exactly once', () => {
  let r: TestRedis;
  beforeEach(() => {
    r = testRedis();
  });
  afterEach(async () => {
    await r.cleanup();
  });
  const newLedger = () => createRedisExpiryLedger({ redis: r.connect(), prefix: r.prefix });

  it('gives a referral crossing 72 h, 24 h and 4 h three warnings and three webhook jobs', async () => {
    const h = harness(newLedger(), [referral()]);
    for (const time of hourly('2025-03-03T10:00:00Z', '2025-03-17T06:00:00Z')) {
      h.clock.set(time);
      await runExpiryScan(h.deps);
    }
    expect(h.crm.applied.map((w) => w.level)).toEqual(['72h', '24h', '4h']);
    expect(h.queued.map((j) => [j.level, j.firedAt])).toEqual([
      ['72h', '2025-03-14T00:00:00.000Z'],
      ['24h', '2025-03-16T00:00:00.000Z'],
      ['4h', '2025-03-16T20:00:00.000Z'],
    ]);
    const first = h.crm.applied[0];
    expect(first).toMatchObject({ referralId: 'ref-1', crmId: '006-ref-1', deadline: at('2025-03-17T00:00:00Z') });
    expect(first?.taskSubject).toBe(
      'Respond to Partner Center referral by 17 Mar 2025, 01:00 CET (72h warning): Teams Phone rollout',
    );
    expect(first?.taskDescription).not.toMatch(/@|lena|Vogt|1234567/i);
  });

  it('still fires each level once when two workers scan concurrently and workers restart between scans', async () => {
    const h = harness(newLedger(), [referral(), referral({ id: 'ref-2', expirationDateTime: '2025-03-16T12:00:00Z' })]);
    for (const time of hourly('2025-03-13T00:00:00Z', '2025-03-17T02:00:00Z')) {
      h.clock.set(time);
      // Two workers, each with its own connection; new ledgers every hour = restarts.
      await Promise.all([runExpiryScan(h.withLedger(newLedger())), runExpiryScan(h.withLedger(newLedger()))]);
    }
    expect(tally(h.crm.applied, (w) => `${w.referralId} ${w.level}`)).toEqual({
      'ref-1 72h': 1,
      'ref-1 24h': 1,
      'ref-1 4h': 1,
      'ref-2 72h': 1,
      'ref-2 24h': 1,
      'ref-2 4h': 1,
    });
    expect(tally(h.queued, (j) => `${j.referralId} ${j.level}`)).toEqual({
      'ref-1 72h': 1,
      'ref-1 24h': 1,
      'ref-1 4h': 1,
      'ref-2 72h': 1,
      'ref-2 24h': 1,
      'ref-2 4h': 1,
    });
    expect(h.crm.levelOf('006-ref-1')).toBe('4h');
  });

  it('fires both levels once, in order, when the worker was down across 72 h and 24 h', async () => {
    const h = harness(newLedger(), [referral()]);
    h.clock.set('2025-03-13T12:00:00Z');
    expect((await runExpiryScan(h.deps)).warnings).toBe(0);
    h.clock.set('2025-03-16T03:00:00Z'); // back after both thresholds
    expect((await runExpiryScan(h.withLedger(newLedger()))).warnings).toBe(2);
    h.clock.set('2025-03-16T04:00:00Z');
    expect((await runExpiryScan(h.deps)).warnings).toBe(0);
    expect(h.crm.applied.map((w) => w.level)).toEqual(['72h', '24h']);
    expect(h.crm.levelOf('006-ref-1')).toBe('24h');
    expect(h.queued.map((j) => j.level)).toEqual(['72h', '24h']);
  });

  it('fires a level claimed by a worker that died before its side effects, once its lease ends', async () => {
    const ledger = createRedisExpiryLedger({ redis: r.connect(), prefix: r.prefix, leaseMs: 10 * 60_000 });
    const h = harness(ledger, [referral()]);
    const dead = await ledger.claim('ref-1', '72h', at('2025-03-14T00:01:00Z'));
    expect(dead.status).toBe('claimed');
    h.clock.set('2025-03-14T00:05:00Z');
    expect(await runExpiryScan(h.deps)).toMatchObject({ warnings: 0, busy: 1 });
    h.clock.set('2025-03-14T00:12:00Z');
    expect(await runExpiryScan(h.deps)).toMatchObject({ warnings: 1, busy: 0 });
    h.clock.set('2025-03-14T01:00:00Z');
    await runExpiryScan(h.deps);
    expect(h.crm.applied.map((w) => w.level)).toEqual(['72h']);
    expect(h.queued.map((j) => j.level)).toEqual(['72h']);
  });

  it('fires no warning once the deadline has passed while the referral still reads New', async () => {
    const h = harness(newLedger(), [referral()]);
    h.clock.set('2025-03-17T00:30:00Z');
    expect((await runExpiryScan(h.deps)).warnings).toBe(0);
    expect(h.queued).toEqual([]);
  });
});
