import { describe, expect, it } from 'vitest';
import { checkFreshness } from './staleness.ts';

const now = new Date('2026-03-10T12:00:00Z');
const policy = { maxAgeMs: 3600_000, maxSkewMs: 300_000 };

describe('checkFreshness (replay window)', () => {
  it.each([
    ['2026-03-10T12:00:00.0000000+00:00', true],
    ['2026-03-10T11:00:00.0000000+00:00', true], // exactly the limit
    ['2026-03-10T10:59:59.9999999+00:00', false],
    ['2026-03-10T13:59:00+02:00', true], // offsets are honoured: 11:59Z
    ['2026-03-10T12:04:59Z', true], // within skew
    ['2026-03-10T12:05:01Z', false], // future beyond skew
    ['2017-11-16T16:19:06.3520276+00:00', false], // Microsoft's sample event
    ['yesterday', false],
  ])('%s → %s', (date, ok) => {
    expect(checkFreshness(date, now, policy).ok).toBe(ok);
  });

  it('names the age in the reason', () => {
    const r = checkFreshness('2026-03-10T09:00:00Z', now, policy);
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('180 min old') });
  });
});
