import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRedisExpiryLedger } from './expiry-ledger.ts';
import { testRedis, type TestRedis } from '../../test/redis/expiry-test-redis.ts';

const T0 = new Date('2025-03-10T12:00:00Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

describe('Redis expiry ledger', () => {
  let r: TestRedis;
  beforeEach(() => {
    r = testRedis();
  });
  afterEach(async () => {
    await r.cleanup();
  });
  const ledger = (leaseMs = 60_000) => createRedisExpiryLedger({ redis: r.redis, prefix: r.prefix, leaseMs });

  it('claims once, then answers busy until released or completed', async () => {
    const l = ledger();
    const first = await l.claim('ref-1', '72h', T0);
    expect(first.status).toBe('claimed');
    expect(await l.claim('ref-1', '72h', T0)).toEqual({ status: 'busy' });
    if (first.status !== 'claimed') throw new Error('unreachable');
    expect(await l.complete('ref-1', '72h', first.token, T0)).toBe(true);
    expect(await l.claim('ref-1', '72h', later(1))).toEqual({ status: 'done' });
    expect((await l.read('ref-1')).fired).toEqual(new Set(['72h']));
    expect(await l.trackedIds()).toEqual(['ref-1']);
  });

  it('lets exactly one of many concurrent claimers on separate connections win', async () => {
    const ledgers = Array.from({ length: 8 }, () => createRedisExpiryLedger({ redis: r.connect(), prefix: r.prefix }));
    const results = await Promise.all(ledgers.map((l) => l.claim('ref-1', '24h', T0)));
    expect(results.filter((x) => x.status === 'claimed')).toHaveLength(1);
    expect(results.filter((x) => x.status === 'busy')).toHaveLength(7);
  });

  it('re-grants a claim whose lease ran out (crashed worker) and keeps its recorded effects', async () => {
    const l = ledger(60_000);
    const dead = await l.claim('ref-1', '4h', T0);
    if (dead.status !== 'claimed') throw new Error('expected a claim');
    await l.markEffectDone('ref-1', '4h', 'crm', T0);
    expect(await l.claim('ref-1', '4h', later(59_999))).toEqual({ status: 'busy' });
    const next = await l.claim('ref-1', '4h', later(60_001));
    expect(next.status).toBe('claimed');
    if (next.status !== 'claimed') throw new Error('unreachable');
    expect([...next.effectsDone]).toEqual(['crm']);
    // The dead worker's token no longer completes or releases anything.
    expect(await l.complete('ref-1', '4h', dead.token, later(60_002))).toBe(false);
    await l.release('ref-1', '4h', dead.token);
    expect(await l.claim('ref-1', '4h', later(60_003))).toEqual({ status: 'busy' });
  });

  it('release makes the alert claimable again at once', async () => {
    const l = ledger();
    const c = await l.claim('ref-1', '72h', T0);
    if (c.status !== 'claimed') throw new Error('expected a claim');
    await l.release('ref-1', '72h', c.token);
    expect((await l.claim('ref-1', '72h', T0)).status).toBe('claimed');
  });

  it('survives a restart: a new ledger on a new connection sees the same state', async () => {
    const c = await ledger().claim('ref-1', '72h', T0);
    if (c.status !== 'claimed') throw new Error('expected a claim');
    await ledger().complete('ref-1', '72h', c.token, T0);
    const restarted = createRedisExpiryLedger({ redis: r.connect(), prefix: r.prefix });
    expect(await restarted.claim('ref-1', '72h', later(1))).toEqual({ status: 'done' });
  });

  it('close cancels pending claims, refuses new ones, untracks and sets a retention TTL', async () => {
    const l = ledger();
    await l.track(['ref-1', 'ref-2']);
    await l.claim('ref-1', '24h', T0);
    await l.close('ref-1', 'responded', T0);
    expect(await l.claim('ref-1', '24h', later(120_000))).toEqual({ status: 'closed' });
    expect(await l.claim('ref-1', '4h', T0)).toEqual({ status: 'closed' });
    expect(await l.read('ref-1')).toEqual({ fired: new Set(), closed: 'responded', known: true });
    expect(await l.trackedIds()).toEqual(['ref-2']);
    expect(await r.redis.ttl(`${r.prefix}:expiry:r:ref-1`)).toBeGreaterThan(0);
  });

  it('records effects idempotently', async () => {
    const l = ledger();
    await l.markEffectDone('ref-1', '72h', 'webhook-enqueued', T0);
    await l.markEffectDone('ref-1', '72h', 'webhook-enqueued', later(5));
    expect(await l.effectsDone('ref-1', '72h')).toEqual(new Set(['webhook-enqueued']));
    expect(await l.effectsDone('ref-1', '24h')).toEqual(new Set());
  });

  it('reads a referral it holds nothing for as unknown (new, or Redis lost its data) (#20)', async () => {
    expect(await ledger().read('ref-9')).toEqual({ fired: new Set(), closed: null, known: false });
  });

  it('records alerts the CRM shows as done with both effects, leaving alerts with a state alone (#20)', async () => {
    const l = ledger();
    const c = await l.claim('ref-1', '24h', T0);
    if (c.status !== 'claimed') throw new Error('expected a claim');
    await l.recordApplied('ref-1', ['72h', '24h'], later(1));
    expect((await l.read('ref-1')).fired).toEqual(new Set(['72h']));
    expect(await l.effectsDone('ref-1', '72h')).toEqual(new Set(['crm', 'webhook-posted']));
    expect(await l.claim('ref-1', '72h', later(2))).toEqual({ status: 'done' });
    expect(await l.claim('ref-1', '24h', later(2))).toEqual({ status: 'busy' });
    expect(await l.trackedIds()).toEqual(['ref-1']);
  });

  it('hands the claimer the time each effect was recorded (#12)', async () => {
    const l = ledger();
    await l.markEffectDone('ref-1', '72h', 'webhook-enqueued', later(7));
    const c = await l.claim('ref-1', '72h', later(8));
    if (c.status !== 'claimed') throw new Error('expected a claim');
    expect(c.effectsAt).toEqual(new Map([['webhook-enqueued', later(7)]]));
  });
});
