import { describe, expect, it } from 'vitest';
import { buildReferral, refusalMessage, shareKind, splitSolutions } from './build-referral.ts';
import { ShareRules } from './share-rules.ts';
import type { ShareRequest } from './share-request.ts';

const rules = ShareRules.parse({});
const request = (over: Partial<ShareRequest> = {}): ShareRequest => ({
  crmId: '006000000000001AAA',
  modstamp: '2026-01-01T00:00:00Z',
  referralId: null,
  flag: true,
  name: 'Fabrikam data platform',
  dealValue: 120_000,
  currency: 'eur',
  closeDate: '2026-09-30',
  notes: 'Phase 1',
  helpType: 'Proof of concept/demo',
  solutions: 'SOL-1; SOL-2,SOL-1',
  visibility: null,
  customer: { name: 'Fabrikam Foods GmbH', country: 'de' },
  contact: { firstName: 'Jonas', lastName: 'Keller', email: 'jonas@fabrikam.example', phone: null },
  ...over,
});

describe('buildReferral: the create body', () => {
  it('a co-sell carries the CRM id, the customer, consent, deal details, solutions and the help type', () => {
    const built = buildReferral(request(), rules);
    expect(built).toEqual({
      ok: true,
      kind: 'co-sell',
      body: {
        name: 'Fabrikam data platform',
        externalReferenceId: '006000000000001AAA',
        type: 'Shared',
        customerProfile: {
          name: 'Fabrikam Foods GmbH',
          address: { country: 'DE' },
          team: [{ firstName: 'Jonas', lastName: 'Keller', email: 'jonas@fabrikam.example' }],
        },
        consent: { consentToShareReferralWithMicrosoftSellers: true, consentToContact: false },
        details: {
          dealValue: 120_000,
          currency: 'EUR',
          closingDateTime: '2026-09-30T00:00:00Z',
          notes: 'Phase 1',
          requirements: {
            solutions: [{ id: 'SOL-1' }, { id: 'SOL-2' }],
            additionalRequirements: { attributes: [{ type: 'MicrosoftHelp', id: 'Proof of concept/demo' }] },
          },
        },
      },
    });
  });

  it.each([
    ['no visibility field, no help type', { helpType: null }, 'partner-led', 'Independent', true],
    ['visibility Private', { visibility: 'private', helpType: null }, 'private', 'Independent', false],
    ['visibility Co-sell', { visibility: 'Co-sell' }, 'co-sell', 'Shared', true],
  ] as const)('%s -> %s', (_, over, kind, type, shared) => {
    const built = buildReferral(request(over), rules);
    expect(
      built.ok && [built.kind, built.body.type, built.body.consent.consentToShareReferralWithMicrosoftSellers],
    ).toEqual([kind, type, shared]);
  });

  it('a help type is translated by outbound.share.helpTypes', () => {
    const built = buildReferral(
      request({ helpType: 'PoC' }),
      ShareRules.parse({ helpTypes: { PoC: 'ProofOfConcept' } }),
    );
    expect(built.ok && built.body.details.requirements.additionalRequirements).toEqual({
      attributes: [{ type: 'MicrosoftHelp', id: 'ProofOfConcept' }],
    });
  });

  it('a private deal needs no contact and no solution', () => {
    const built = buildReferral(
      request({
        visibility: 'Private',
        helpType: null,
        solutions: null,
        contact: { firstName: null, lastName: null, email: null, phone: null },
      }),
      rules,
    );
    expect(built.ok && built.body.customerProfile.team).toEqual([]);
  });
});

describe('buildReferral: what is missing, in the seller words', () => {
  it.each([
    ['a co-sell without help type', { visibility: 'Co-sell', helpType: null }, 'fill in How can Microsoft help?'],
    ['no solution', { solutions: ' ; ' }, 'fill in Microsoft Partner Center Solutions'],
    ['a zero deal value', { dealValue: 0 }, 'fill in deal value'],
    [
      'a country name',
      { customer: { name: 'Fabrikam', country: 'Germany' } },
      'must be a 2-letter code such as DE (it is "GERMANY")',
    ],
    [
      'an unknown kind',
      { visibility: 'Secret' },
      'Referral Visibility "Secret" is not one of Private, Partner-led, Co-sell',
    ],
    [
      'help on a partner-led deal',
      { visibility: 'Partner-led' },
      'How can Microsoft help? must be empty for a partner-led deal',
    ],
  ] as const)('%s', (_, over, text) => {
    const built = buildReferral(request(over as Partial<ShareRequest>), rules);
    expect(built.ok).toBe(false);
    if (!built.ok) expect(refusalMessage(built)).toContain(text);
  });

  it('lists every missing field in one message', () => {
    const built = buildReferral(
      request({ name: ' ', closeDate: null, contact: { firstName: 'J', lastName: null, email: null, phone: null } }),
      rules,
    );
    expect(!built.ok && refusalMessage(built)).toBe(
      'Not shared with Microsoft yet: fill in deal name, close date, customer contact last name and customer contact email. ' +
        'Save the opportunity again when done.',
    );
  });
});

describe('helpers', () => {
  it('splitSolutions reads ; , and new lines, without blanks or repeats', () => {
    expect(splitSolutions('A;B\nC, A ;;')).toEqual(['A', 'B', 'C']);
  });
  it('shareKind names an unknown visibility value', () => {
    expect(shareKind({ visibility: 'Other', helpType: null }, rules)).toEqual({ unknown: 'Other' });
  });
});
