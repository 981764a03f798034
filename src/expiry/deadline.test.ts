import { describe, expect, it } from 'vitest';
import { contactByOf, deadlineOf, formatDeadline, formatTimeLeft, isValidTimeZone, timeLeftMs } from './deadline.ts';

describe('deadlineOf', () => {
  it.each([
    [
      'expirationDateTime wins',
      { expirationDateTime: '2025-03-17T00:00:00Z', createdDateTime: '2025-03-03T09:14:00Z' },
      '2025-03-17T00:00:00.000Z',
    ],
    [
      'created + 14 days when expiration is null',
      { expirationDateTime: null, createdDateTime: '2025-03-03T09:14:00Z' },
      '2025-03-17T09:14:00.000Z',
    ],
    [
      'created + 14 days across a DST change stays 336 h in UTC',
      { createdDateTime: '2025-03-25T12:00:00Z' },
      '2025-04-08T12:00:00.000Z',
    ],
    [
      'offset input is read as the instant it names',
      { createdDateTime: '2025-03-03T10:14:00+01:00' },
      '2025-03-17T09:14:00.000Z',
    ],
  ])('%s', (_name, referral, expected) => {
    expect(deadlineOf(referral)?.toISOString()).toBe(expected);
  });

  it('is null with no dates at all', () => {
    expect(deadlineOf({ expirationDateTime: null, createdDateTime: undefined })).toBeNull();
  });

  it('contact-me window is created + 72 h', () => {
    expect(contactByOf({ createdDateTime: '2025-03-03T09:14:00Z' })?.toISOString()).toBe('2025-03-06T09:14:00.000Z');
    expect(contactByOf({ createdDateTime: null })).toBeNull();
  });
});

describe('formatting', () => {
  const deadline = new Date('2025-03-17T00:00:00Z');
  it.each([
    ['UTC', '17 Mar 2025, 00:00 UTC'],
    ['Europe/Berlin', '17 Mar 2025, 01:00 CET'],
    ['America/New_York', '16 Mar 2025, 20:00 GMT-4'],
    ['Asia/Kolkata', '17 Mar 2025, 05:30 GMT+5:30'],
  ])('formats the deadline in %s (en-GB names only some zones; others get an offset)', (zone, expected) => {
    expect(formatDeadline(deadline, zone)).toBe(expected);
  });

  it('validates zones', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(() => formatDeadline(deadline, 'Mars/Olympus')).toThrow(RangeError);
  });

  it.each([
    [3 * 86_400_000, '3 d'],
    [2 * 86_400_000 + 5 * 3_600_000 + 59_000, '2 d 5 h'],
    [3 * 3_600_000 + 20 * 60_000, '3 h 20 min'],
    [4 * 3_600_000, '4 h'],
    [45 * 60_000 + 30_000, '45 min'],
    [10_000, '1 min'],
    [0, 'overdue'],
    [-5_000, 'overdue'],
  ])('time left %i ms reads %s', (ms, expected) => {
    expect(formatTimeLeft(ms)).toBe(expected);
  });

  it('timeLeftMs is negative after the deadline', () => {
    expect(timeLeftMs(deadline, new Date('2025-03-17T01:00:00Z'))).toBe(-3_600_000);
  });
});
