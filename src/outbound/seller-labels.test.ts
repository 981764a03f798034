import { describe, expect, it } from 'vitest';
import { OutboundRules } from './outbound-rules.ts';
import { withSellerLabels } from './seller-labels.ts';

const sf = {
  name: 'Name',
  dealValue: 'Amount',
  currency: null,
  closeDate: 'CloseDate',
  notes: 'Description',
  campaignId: null,
};
const dv = {
  name: 'name',
  dealValue: 'estimatedvalue',
  currency: 'transactioncurrencyid',
  closeDate: 'estimatedclosedate',
  notes: 'description',
  campaignId: null,
};

describe('withSellerLabels (#15)', () => {
  it.each([
    [
      'salesforce',
      sf,
      { name: 'Opportunity Name', dealValue: 'Amount', closingDateTime: 'Close Date', currency: 'currency' },
    ],
    [
      'dynamics',
      dv,
      { name: 'Topic', dealValue: 'Est. Revenue', closingDateTime: 'Est. Close Date', currency: 'Currency' },
    ],
  ] as const)('%s: standard fields get the label the form shows', (kind, fields, expected) => {
    expect(withSellerLabels(OutboundRules.parse({}), kind, fields).labels).toMatchObject(expected);
  });

  it('keeps a label the mapping set, and the default for a custom field', () => {
    const rules = OutboundRules.parse({ labels: { dealValue: 'Deal size' } });
    const labels = withSellerLabels(rules, 'salesforce', { ...sf, closeDate: 'Go_Live__c' }).labels;
    expect(labels).toMatchObject({ dealValue: 'Deal size', closingDateTime: 'close date' });
  });
});
