import { describe, expect, it } from 'vitest';
import { referralIdFromResourceUri } from './resource-uri.ts';

const ID = 'c0bfd694-3075-4ec5-9a3c-733d3a890a1f';
const BASE = 'https://api.partnercenter.microsoft.com/engagements/v1/referrals';

describe('referralIdFromResourceUri', () => {
  it.each([
    [`${BASE}/${ID}`, ID],
    [`http://api.partnercenter.microsoft.com/engagements/v1/referrals/${ID}`, ID], // Microsoft's samples mix schemes
    [`https://API.PartnerCenter.microsoft.com/engagements/v1/referrals/${ID}`, ID],
    [`${BASE}/${ID}/`, null],
    [`${BASE}/${ID}/notes`, null],
    [`${BASE}/`, null],
    [`${BASE}/${ID}?x=1`, null],
    [`${BASE}/${ID}?`, null],
    [`${BASE}/${ID}#x`, null],
    [`${BASE}/..%2f${ID}`, null],
    [`${BASE}/../referrals/${ID}`, null],
    [`${BASE}/%2e%2e/${ID}`, null],
    [`https://api.partnercenter.microsoft.com/webhooks/v1/registration/validationEvents/${ID}`, null],
    [`https://api.partnercenter.microsoft.com:8443/engagements/v1/referrals/${ID}`, null],
    [`https://user@api.partnercenter.microsoft.com/engagements/v1/referrals/${ID}`, null],
    [`https://api.partnercenter.microsoft.com.evil.example/engagements/v1/referrals/${ID}`, null],
    [`https://evil.example/engagements/v1/referrals/${ID}`, null],
    [`ftp://api.partnercenter.microsoft.com/engagements/v1/referrals/${ID}`, null],
    [`${BASE}/${'a'.repeat(129)}`, null],
    [`${BASE}/a b`, null],
    ['not a url', null],
  ])('%s → %s', (uri, id) => {
    const r = referralIdFromResourceUri(uri);
    expect(r.ok ? r.referralId : null).toBe(id);
  });

  it('accepts another host only when configured', () => {
    expect(referralIdFromResourceUri(`https://api.partner.microsoft.com/engagements/v1/referrals/${ID}`).ok).toBe(
      false,
    );
    expect(
      referralIdFromResourceUri(`https://api.partner.microsoft.com/engagements/v1/referrals/${ID}`, [
        'api.partner.microsoft.com',
      ]).ok,
    ).toBe(true);
  });
});
