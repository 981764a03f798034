import { describe, expect, it } from 'vitest';
import { fixHint } from './fix-hint.ts';

describe('fixHint', () => {
  it.each([
    ['validate', 'referral r1: details.dealValue: expected number', /corrected in Partner Center.*Replay/],
    ['map', 'salesforce.fields.CloseDate: no value', /mapping file/],
    ['crm', 'gave up after 3 attempts: Salesforce 503', /temporary error/],
    ['crm', 'REQUIRED_FIELD_MISSING: Amount', /CRM refused the write/],
    ['crm', 'the worker running it died 3 times or more (crash loop?); parked', /worker died/],
    ['crm-read', 'Referral_Decision__c: unknown value', /Fix it in the CRM/],
    ['push', 'partner-center 400', /did not take/],
    ['alert', 'webhook 500', /Read the reason/],
  ])('%s parked for "%s" gets a hint', (stage, reason, hint) => {
    expect(fixHint({ stage, reason })).toMatch(hint);
  });
});
