import { describe, expect, it } from 'vitest';
import { checkMappedFields, type CrmFieldInfo } from './crm-field-check.ts';
import type { FieldRule } from './field-rule.ts';

const FIELDS: CrmFieldInfo[] = [
  { name: 'Name', type: 'string', writable: true },
  { name: 'Amount', type: 'currency', writable: true },
  { name: 'CloseDate', type: 'date', writable: true },
  { name: 'IsWon', type: 'boolean', writable: false },
  { name: 'StageName', type: 'picklist', writable: true, picklist: ['Prospecting', 'Qualification', 'Closed Won'] },
];
const check = (rules: Record<string, FieldRule>) =>
  checkMappedFields(rules, FIELDS, 'salesforce.fields', 'Opportunity');

describe('checkMappedFields', () => {
  it.each<[string, Record<string, FieldRule>, string, RegExp]>([
    [
      'a missing field, with the nearest name',
      { Amout: { from: 'details.dealValue' } },
      'salesforce.fields.Amout',
      /no field Amout.*did you mean "Amount"/,
    ],
    ['a read-only field', { IsWon: { const: true } }, 'salesforce.fields.IsWon', /read-only/],
    [
      'a text format on a number field',
      { Amount: { from: 'details.dealValue', format: 'string' } },
      'salesforce.fields.Amount',
      /currency field; format string/,
    ],
    [
      'a template on a date field',
      { CloseDate: { template: '{details.closingDateTime}' } },
      'salesforce.fields.CloseDate',
      /add format: date/,
    ],
    ['a text constant on a number field', { Amount: { const: 'lots' } }, 'salesforce.fields.Amount', /does not fit/],
    [
      'a stage name the picklist lacks, with the nearest one',
      { StageName: { from: 'status', values: { Won: 'Closed-Won' } } },
      'salesforce.fields.StageName.values.Won',
      /"Closed-Won" is not a value of this picklist \(did you mean "Closed Won"\?\)/,
    ],
  ])('reports %s', (_name, rules, path, message) => {
    expect(check(rules)).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  it('accepts fields that exist, are writable and fit', () => {
    expect(
      check({
        Name: { template: '{name}' },
        Amount: { from: 'details.dealValue', format: 'number' },
        CloseDate: { from: 'details.closingDateTime', format: 'date' },
        StageName: { from: 'status', values: { New: 'prospecting' }, valuesDefault: 'Qualification' },
      }),
    ).toEqual([]);
  });

  it('reports a missing object once', () => {
    expect(checkMappedFields({ Name: { from: 'name' } }, null, 'salesforce.fields', 'Deal__c')).toEqual([
      { path: 'salesforce.fields', message: 'Deal__c does not exist or is not visible to the integration user' },
    ]);
  });
});
