import { describe, expect, it } from 'vitest';
import { parseReferral } from '../domain/referral.ts';
import { wellFormed } from './well-formed.ts';

describe('wellFormed (#14)', () => {
  it.each([
    ['lone high', 'a\uD800b', 'a\uFFFDb'],
    ['lone low', 'a\uDC00b', 'a\uFFFDb'],
    ['high at the end', 'ab\uD83D', 'ab\uFFFD'],
    ['a pair is kept', 'a\uD83D\uDE00b', 'a\uD83D\uDE00b'],
    ['reversed pair', '\uDE00\uD83D', '\uFFFD\uFFFD'],
  ])('%s', (_, input, expected) => {
    expect(wellFormed(input)).toBe(expected);
    expect(() => encodeURIComponent(wellFormed(input))).not.toThrow();
  });

  it('is applied to a referral as Partner Center sends it', () => {
    const parsed = parseReferral({ id: 'r-1', eTag: '"1"', status: 'New', customerProfile: { name: 'X \uD800' } });
    expect(parsed.ok && parsed.referral.customerProfile?.name).toBe('X \uFFFD');
  });
});
