import { describe, expect, it } from 'vitest';
import { isContactMeRequest } from './contact-me.ts';
import { referral } from './referral-examples.fixture.ts';
import { parseMapping, type Mapping } from './schema.ts';

const mappingWith = (expiry: unknown): Mapping => {
  const parsed = parseMapping({
    version: 1,
    salesforce: {
      externalIdField: 'Referral_Id__c',
      fields: { Name: { const: 'n' }, StageName: { const: 's' }, CloseDate: { const: 'c' } },
    },
    ...(expiry === undefined ? {} : { expiry }),
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.mapping;
};

const CTA = { path: 'callToAction', in: ['ContactMe', 'Contact me'] };
const CONSENT = { path: 'consent.consentToContact', equals: true };

describe('isContactMeRequest', () => {
  it.each<[string, unknown, Record<string, unknown>, boolean]>([
    ['no expiry section', undefined, { callToAction: 'ContactMe' }, false],
    ['no contactMe rules', { levelsHours: [24] }, { callToAction: 'ContactMe' }, false],
    ['in: first value', { contactMe: { when: [CTA] } }, { callToAction: 'ContactMe' }, true],
    ['in: other spelling, trimmed', { contactMe: { when: [CTA] } }, { callToAction: ' Contact me ' }, true],
    ['in: no match', { contactMe: { when: [CTA] } }, { callToAction: 'FreeTrial' }, false],
    ['in: missing field', { contactMe: { when: [CTA] } }, {}, false],
    [
      'equals true in an open object',
      { contactMe: { when: [CONSENT] } },
      { consent: { consentToContact: true } },
      true,
    ],
    [
      'equals is strict about type',
      { contactMe: { when: [CONSENT] } },
      { consent: { consentToContact: 'true' } },
      false,
    ],
    ['any: one holds', { contactMe: { when: [CTA, CONSENT] } }, { consent: { consentToContact: true } }, true],
    [
      'all: one holds',
      { contactMe: { match: 'all', when: [CTA, CONSENT] } },
      { consent: { consentToContact: true } },
      false,
    ],
    [
      'all: both hold',
      { contactMe: { match: 'all', when: [CTA, CONSENT] } },
      { callToAction: 'ContactMe', consent: { consentToContact: true } },
      true,
    ],
    [
      'equals null matches a missing field',
      { contactMe: { when: [{ path: 'callToAction', equals: null }] } },
      {},
      true,
    ],
    [
      'a derived field',
      { contactMe: { when: [{ path: 'category', equals: 'marketplace-lead' }] } },
      { type: 'Independent', qualification: 'Direct' },
      true,
    ],
  ])('%s', (_name, expiry, fields, expected) => {
    expect(isContactMeRequest(mappingWith(expiry), referral(fields))).toBe(expected);
  });
});
