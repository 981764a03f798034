import { describe, expect, it } from 'vitest';
import { closest } from './suggest.ts';

describe('closest (#15)', () => {
  it.each([
    ['form', ['from', 'const', 'template'], 'from'],
    ['wonHoldHour', ['wonHoldHours', 'wonHoldBasis'], 'wonHoldHours'],
    ['Closed/Wonn', ['Closed/Won', 'Closed/Lost'], 'Closed/Won'],
    ['xyz', ['from', 'const'], undefined],
    ['to', ['from'], undefined],
  ] as const)('%s -> %s', (word, candidates, expected) => {
    expect(closest(word, candidates)).toBe(expected);
  });
});
