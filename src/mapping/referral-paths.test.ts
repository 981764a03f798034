import { describe, expect, it } from 'vitest';
import { referral } from './referral-examples.fixture.ts';
import { checkReferralPath, knownReferralPaths, readReferralPath } from './referral-paths.ts';

describe('checkReferralPath', () => {
  it.each([
    'id',
    'status',
    'details.dealValue',
    'customerProfile.address.country',
    'customerProfile.team.0.email',
    'inviteContext.invitedBy.organizationId',
    'category',
    'link',
    'deadline',
    'organizationName',
    // Open objects accept any sub-path: Microsoft documents fields our schema does not list.
    'consent.consentToContact',
    'details.requirements.solutions',
    'customerProfile.ids.duns',
    'links.self.uri',
  ])('accepts %s', (path) => {
    expect(checkReferralPath(path)).toEqual({ ok: true });
  });

  it.each([
    ['details.dealvalue', 'unknown referral field "details.dealvalue" (did you mean "details.dealValue"?)'],
    [
      'customerprofile.team.3.EMAIL',
      'unknown referral field "customerprofile.team.3.EMAIL" (did you mean "customerProfile.team.0.email"?)',
    ],
    ['customerProfile.sise', 'unknown referral field "customerProfile.sise" (did you mean "customerProfile.size"?)'], // #15
    ['details.amount', 'unknown referral field "details.amount"'],
    ['status.code', 'unknown referral field "status.code"'],
    ['category.name', 'unknown referral field "category.name"'],
    ['team.first.email', 'unknown referral field "team.first.email"'],
    ['customerProfile.address', '"customerProfile.address" is an object; pick one of its fields'],
    ['team', '"team" is a list; pick one item, e.g. "team.0"'],
    ['details..notes', '"details..notes" is not a dotted path'],
  ])('rejects %s', (path, reason) => {
    expect(checkReferralPath(path)).toEqual({ ok: false, reason });
  });

  it('lists leaf paths and derived fields for completion', () => {
    const paths = knownReferralPaths();
    expect(paths).toEqual(
      expect.arrayContaining(['details.closingDateTime', 'customerProfile.team.0.email', 'category']),
    );
    expect(paths).not.toContain('customerProfile.address');
  });
});

describe('readReferralPath', () => {
  const r = referral({ details: { dealValue: 5 }, team: [{ email: 'a@x.example' }], customerProfile: null });
  it.each([
    ['details.dealValue', 5],
    ['team.0.email', 'a@x.example'],
    ['team.1.email', undefined],
    ['team.x', undefined],
    ['customerProfile.name', undefined],
    ['details.notes', undefined],
    ['toString', undefined],
  ])('%s -> %s', (path, expected) => {
    expect(readReferralPath(r, path)).toBe(expected);
  });
});
