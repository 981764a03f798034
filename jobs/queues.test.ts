import { describe, expect, it } from 'vitest';
import { retryDelayMs, syncJobId } from './queues.ts';

describe('syncJobId', () => {
  it('is deterministic per referral version and free of characters BullMQ rejects', () => {
    const id = syncJobId('0b6f3c1e-4a52', '"a1000000-0000:65e4"');
    expect(id).toBe('0b6f3c1e-4a52-_a1000000-0000_65e4_');
    expect(id).not.toContain(':');
    expect(syncJobId('0b6f3c1e-4a52', '"a1000000-0000:65e4"')).toBe(id);
    expect(syncJobId('0b6f3c1e-4a52', '"b2"')).not.toBe(id);
  });
});

describe('retryDelayMs', () => {
  it('honours Retry-After in full', () => {
    expect(retryDelayMs(1, { retryAfterMs: 2000 })).toBe(2000);
    expect(retryDelayMs(6, { retryAfterMs: 120_000 })).toBe(120_000);
  });
  it.each([
    [1, 0, 500],
    [1, 1, 1000],
    [3, 0, 2000],
    [3, 1, 4000],
    [30, 1, 300_000],
  ])('attempt %i with random %d waits %d ms (exponential, jittered, capped)', (attempt, rnd, ms) => {
    expect(retryDelayMs(attempt, new Error('boom'), () => rnd)).toBe(ms);
  });
});
