import { describe, expect, it } from 'vitest';
import type { FieldValue } from '../ports/crm.ts';
import { valuesFromDraft } from './draft-values.ts';

const names = {
  name: 'Name',
  dealValue: 'Amount',
  currency: 'CurrencyIsoCode',
  closeDate: 'CloseDate',
  notes: 'Description',
  campaignId: null,
};
const draft = (fields: Record<string, FieldValue>) => ({ referralId: 'r', fields, account: null });

describe('valuesFromDraft (what inbound sync wrote, for the echo guard)', () => {
  it.each([
    [
      'every value field',
      { Name: ' Deal ', Amount: 5000, CurrencyIsoCode: 'eur', CloseDate: '2026-01-31', Description: 'n' },
      { name: 'Deal', dealValue: 5000, currency: 'EUR', closeDate: '2026-01-31', notes: 'n' },
    ],
    ['a field the draft leaves out is not claimed', { Name: 'Deal' }, { name: 'Deal' }],
    ['a cleared field is remembered as null', { Description: null, Amount: null }, { notes: null, dealValue: null }],
    ['unrelated fields are ignored', { Referral_Status__c: 'New', StageName: 'Prospecting' }, {}],
  ])('%s', (_name, fields, expected) => {
    expect(valuesFromDraft(draft(fields), names)).toEqual(expected);
  });
});
