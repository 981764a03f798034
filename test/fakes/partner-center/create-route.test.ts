import { describe, expect, it } from 'vitest';
import { createProblem } from './create-route.ts';

/** The fake's create validation (issue 16): what Partner Center requires, each 400 naming the field. */
const valid = {
  type: 'Shared',
  customerProfile: { name: 'Fabrikam', address: { country: 'DE' }, team: [{ email: 'j@k.example' }] },
  consent: { consentToShareReferralWithMicrosoftSellers: true },
  details: { dealValue: 10, currency: 'EUR', requirements: { solutions: [{ id: 'SOL-1' }] } },
};

describe('fake Partner Center create validation', () => {
  it('accepts a complete shared referral', () => {
    expect(createProblem(valid)).toBeNull();
  });

  it.each([
    ['type', { ...valid, type: undefined }, 'type is required'],
    ['customerProfile', { ...valid, customerProfile: undefined }, 'customerProfile is required'],
    [
      'country',
      { ...valid, customerProfile: { ...valid.customerProfile, address: { country: 'Germany' } } },
      'customerProfile.address.country',
    ],
    ['consent', { ...valid, consent: undefined }, 'consent is required'],
    ['details', { ...valid, details: undefined }, 'details is required'],
    ['deal value', { ...valid, details: { ...valid.details, dealValue: 0 } }, 'details.dealValue'],
    ['contact', { ...valid, customerProfile: { ...valid.customerProfile, team: [] } }, 'customerProfile.team'],
    [
      'solution',
      { ...valid, details: { ...valid.details, requirements: { solutions: [] } } },
      'details.requirements.solutions',
    ],
  ])('names %s', (_, body, field) => {
    expect(createProblem(body)).toContain(field);
  });

  it('a private referral needs no contact or solution', () => {
    expect(
      createProblem({
        ...valid,
        type: 'Independent',
        consent: { consentToShareReferralWithMicrosoftSellers: false },
        customerProfile: { name: 'Fabrikam', address: { country: 'DE' } },
        details: { dealValue: 10, currency: 'EUR' },
      }),
    ).toBeNull();
  });
});
