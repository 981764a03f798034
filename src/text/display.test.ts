import { describe, expect, it } from 'vitest';
import { alertText } from '../expiry/messages.ts';
import type { Referral } from '../domain/referral.ts';
import { clipForDisplay, plainLine } from './display.ts';

describe('display text (#14)', () => {
  it('clips with a marker and never splits a surrogate pair', () => {
    expect(clipForDisplay('abcdef', 4)).toBe('abcd… [2 more characters]');
    expect(clipForDisplay('abc\uD83D\uDE00def', 4)).toBe('abc… [5 more characters]');
  });

  it('turns control characters and bidi overrides into spaces', () => {
    expect(plainLine('Deal\nstatus: Won\u001b[31m\u202eevil')).toBe('Deal status: Won [31m evil');
  });

  it('gives the at-risk list and alerts one plain line per name', () => {
    const referral = {
      id: 'r',
      eTag: '1',
      status: 'New',
      name: 'Deal\r\nreferral r2: Won',
      customerProfile: { name: 'A\u001b]0;x\u0007' },
    } as Referral;
    const text = alertText(referral, 'r', new Date('2025-03-17T00:00:00Z'), new Date('2025-03-16T00:00:00Z'), 'UTC');
    expect(text.dealName).toBe('Deal  referral r2: Won');
    expect(text.customerName).toBe('A ]0;x');
  });
});
