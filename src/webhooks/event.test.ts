import { describe, expect, it } from 'vitest';
import { isReferralEvent, parseEvent } from './event.ts';

const event = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    EventName: 'referral-created',
    ResourceUri: 'https://api.partnercenter.microsoft.com/engagements/v1/referrals/abc',
    ResourceName: 'referral',
    AuditUri: null,
    ResourceChangeUtcDate: '2018-02-17T00:05:39.5485487+00:00',
    ...over,
  });

describe('parseEvent', () => {
  it.each([
    ['the documented shape', event(), true],
    ['extra fields Microsoft may add', event({ CorrelationId: 'x' }), true],
    [
      'without AuditUri and ResourceName',
      JSON.stringify({
        EventName: 'referral-updated',
        ResourceUri: 'u',
        ResourceChangeUtcDate: '2018-02-17T00:05:39Z',
      }),
      true,
    ],
    ['not JSON', '{"EventName":', false],
    ['an array', '[]', false],
    ['no EventName', event({ EventName: undefined }), false],
    ['empty EventName', event({ EventName: '' }), false],
    ['no ResourceUri', event({ ResourceUri: undefined }), false],
    ['a numeric date', event({ ResourceChangeUtcDate: 1700000000 }), false],
    ['a date without offset', event({ ResourceChangeUtcDate: '2018-02-17T00:05:39' }), false],
    ['a date that is not one', event({ ResourceChangeUtcDate: '2018-13-45T99:99:99Z' }), false],
  ])('%s → %s', (_name, body, ok) => {
    expect(parseEvent(body).ok).toBe(ok);
  });

  it('never echoes values in the reason', () => {
    const r = parseEvent(event({ ResourceChangeUtcDate: 'secret-looking-value' }));
    expect(r.ok ? '' : r.reason).not.toContain('secret-looking-value');
  });

  it.each([
    ['referral-created', true],
    ['referral-updated', true],
    ['related-referral-created', true],
    ['related-referral-updated', true],
    ['test-created', false],
    ['subscription-updated', false],
  ])('isReferralEvent(%s) → %s', (name, ok) => {
    expect(isReferralEvent(name)).toBe(ok);
  });
});
