import { describe, expect, it } from 'vitest';
import { localTime, relativeTime } from './relative-time.ts';

const now = new Date('2026-12-06T14:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

describe('relativeTime', () => {
  it.each([
    [2_000, 'just now'],
    [45_000, '45 s ago'],
    [12 * 60_000, '12 min ago'],
    [(3 * 60 + 12) * 60_000, '3 h 12 min ago'],
    [3 * 3_600_000, '3 h ago'],
    [(52 * 60 + 30) * 60_000, '2 d 4 h ago'],
    [-20 * 3_600_000, 'in 20 h'],
  ])('%i ms before now reads "%s"', (ms, text) => {
    expect(relativeTime(ago(ms), now)).toBe(text);
  });
});

describe('localTime', () => {
  it.each([
    ['UTC', '6 Dec 14:00 UTC'],
    ['Europe/Berlin', '6 Dec 15:00 CET'],
    // en-GB names zones it has no British abbreviation for by their offset.
    ['America/New_York', '6 Dec 09:00 GMT-5'],
  ])('in %s', (zone, text) => {
    expect(localTime(now, zone)).toBe(text);
  });
});
