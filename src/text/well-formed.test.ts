import { describe, expect, it } from 'vitest';
import { parseReferral } from '../domain/referral.ts';
import { wellFormed, wellFormedDeep } from './well-formed.ts';

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

describe('wellFormedDeep (#14, issue 19)', () => {
  it('returns well-formed input itself, not a copy', () => {
    const raw = { id: 'r-1', customerProfile: { name: 'Contoso', team: [{ email: 'a@b.example' }] }, n: 1 };
    expect(wellFormedDeep(raw)).toBe(raw);
  });

  it('copies what holds a lone surrogate, at any depth, and leaves the input as it was', () => {
    const raw = { id: 'r-1', ok: { a: 'x' }, customerProfile: { team: [{ name: 'ok' }, { name: 'B \uDC00' }] } };
    const before = JSON.stringify(raw);
    const out = wellFormedDeep(raw) as typeof raw;
    expect(out).not.toBe(raw);
    expect(out.customerProfile.team[1]?.name).toBe('B \uFFFD');
    expect(out.customerProfile.team[0]).toBe(raw.customerProfile.team[0]);
    expect(out.ok).toBe(raw.ok);
    expect(JSON.stringify(raw)).toBe(before);
  });

  it('repairs keys too', () => {
    expect(wellFormedDeep({ ['k\uD800']: 1 })).toEqual({ ['k\uFFFD']: 1 });
  });
});
