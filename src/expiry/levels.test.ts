import { describe, expect, it } from 'vitest';
import { ExpiryLevelHours, ExpiryLevelHoursCsv, toLevels } from './levels.ts';

describe('levels', () => {
  it('defaults to 72 h, 24 h, 4 h, most distant first', () => {
    expect(toLevels()).toEqual([
      { name: '72h', hours: 72 },
      { name: '24h', hours: 24 },
      { name: '4h', hours: 4 },
    ]);
  });

  it('sorts whatever order config gives', () => {
    expect(toLevels([0.5, 48]).map((l) => l.name)).toEqual(['48h', '0.5h']);
  });

  it.each([
    ['72,24,4', [72, 24, 4]],
    [' 48 , 2 ', [48, 2]],
  ])('parses %j from env', (input, expected) => {
    expect(ExpiryLevelHoursCsv.parse(input)).toEqual(expected);
  });

  it.each([
    ['empty', []],
    ['zero', [0]],
    ['negative', [-4]],
    ['beyond 14 days', [400]],
    ['duplicates', [24, 24]],
  ])('rejects %s', (_name, hours) => {
    expect(ExpiryLevelHours.safeParse(hours).success).toBe(false);
  });

  it('rejects text that is not numbers', () => {
    expect(ExpiryLevelHoursCsv.safeParse('72,soon').success).toBe(false);
  });
});
