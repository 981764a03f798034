import { describe, expect, it } from 'vitest';
import { BUCKET_MS } from '../../connectors/redis/queue-series.ts';
import { metricsToBuckets } from './queue-health.ts';

const MIN = 60_000;
const T = Date.parse('2026-12-06T10:00:00Z'); // a bucket start
const starts = [T - BUCKET_MS, T, T + BUCKET_MS];

describe('metricsToBuckets', () => {
  it('puts the pending count in the minute of prevTS and data[i] i+1 minutes before it', () => {
    const m = { meta: { prevTS: T + 5 * MIN + 10_000, count: 20, prevCount: 17 }, data: [4, 0, 0, 0, 2, 1] };
    // Minute T+5: 3 pending; T+4: 4; T+0: 2; T-1: 1.
    expect(metricsToBuckets(m, starts)).toEqual([1, 4 + 2, 3]);
  });

  it('is all zeros before any job finished', () => {
    expect(metricsToBuckets({ meta: { prevTS: 0, count: 0, prevCount: 0 }, data: [] }, starts)).toEqual([0, 0, 0]);
  });

  it('leaves out minutes before the window', () => {
    const m = { meta: { prevTS: T - BUCKET_MS, count: 1, prevCount: 1 }, data: [5, 5] };
    expect(metricsToBuckets(m, starts)).toEqual([0, 0, 0]);
  });
});
