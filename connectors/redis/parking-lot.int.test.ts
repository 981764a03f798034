import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testRedis, type TestRedis } from '../../test/redis/expiry-test-redis.ts';
import { createRedisParkingLot } from './parking-lot.ts';
import { readSeries } from './queue-series.ts';

const T0 = Date.parse('2026-12-06T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

describe('parking lot history (issue 18)', () => {
  let r: TestRedis;
  beforeEach(() => {
    r = testRedis();
  });
  afterEach(async () => {
    await r.cleanup();
  });
  const bad = { referralId: 'r1', stage: 'validate', field: 'details.dealValue', value: '"about 50k"' };

  it('keeps each park and replay in order, with the field and value', async () => {
    const lot = createRedisParkingLot(r.redis, r.prefix);
    await lot.park({ ...bad, reason: 'dealValue: expected number', at: at(0) });
    await lot.release('r1');
    await lot.noteReplay('r1', { at: at(1), by: 'token:ops', jobId: 'r1-replay-1' });
    await lot.park({ ...bad, reason: 'get: dealValue: expected number', at: at(2) });
    const history = await lot.history('r1');
    expect(history.map((e) => e.kind)).toEqual(['parked', 'replayed', 'parked']);
    expect(history[2]).toMatchObject({ field: 'details.dealValue', value: '"about 50k"' });
    expect(await lot.list()).toMatchObject([{ referralId: 'r1', field: 'details.dealValue' }]);
  });

  it('counts a referral parked again for the same reason (a pull re-reading its overlap) once', async () => {
    const lot = createRedisParkingLot(r.redis, r.prefix);
    await lot.park({ ...bad, reason: 'dealValue: expected number', at: at(0) });
    await lot.park({ ...bad, reason: 'dealValue: expected number', at: at(1) });
    expect(await lot.history('r1')).toHaveLength(1);
    const series = await readSeries(r.redis, r.prefix, T0 + 60_000, 3_600_000);
    expect(series.reduce((n, b) => n + (b.fields.parked ?? 0), 0)).toBe(1);
  });
});
