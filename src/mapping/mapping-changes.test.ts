import { describe, expect, it } from 'vitest';
import { mappingChanges, restartChanges } from './mapping-changes.ts';
import { Mapping } from './schema.ts';

const base = Mapping.parse({
  version: 1,
  salesforce: {
    externalIdField: 'Referral_Id__c',
    fields: {
      Name: { from: 'name' },
      StageName: { const: 'Prospecting' },
      CloseDate: { from: 'details.closingDateTime', format: 'date' },
      Description: { from: 'details.notes' },
    },
  },
});
const edit = (f: (m: Mapping) => void): Mapping => {
  const copy = structuredClone(base);
  f(copy);
  return Mapping.parse(copy);
};

describe('mappingChanges', () => {
  it.each([
    [
      'a renamed stage value',
      (m: Mapping) => void (m.salesforce!.fields.StageName = { const: 'Qualification' }),
      [{ path: 'salesforce.fields.StageName', kind: 'changed' }],
    ],
    [
      'a new custom field',
      (m: Mapping) => void (m.salesforce!.fields.Region__c = { from: 'customerProfile.address.country' }),
      [{ path: 'salesforce.fields.Region__c', kind: 'added' }],
    ],
    [
      'a removed field',
      (m: Mapping) => void delete m.salesforce!.fields.Description,
      [{ path: 'salesforce.fields.Description', kind: 'removed' }],
    ],
    [
      'the upsert key',
      (m: Mapping) => void (m.salesforce!.externalIdField = 'Other__c'),
      [{ path: 'salesforce.externalIdField', kind: 'changed' }],
    ],
  ])('names %s as one change', (_name, f, expected) => {
    expect(mappingChanges(base, edit(f))).toEqual(expected);
  });

  it('finds nothing between equal versions', () => {
    expect(
      mappingChanges(
        base,
        edit(() => undefined),
      ),
    ).toEqual([]);
  });
});

describe('restartChanges', () => {
  it('lets field rules and routing apply without a restart', () => {
    const after = edit((m) => {
      m.salesforce!.fields.Region__c = { from: 'customerProfile.address.country' };
      m.routing = { default: 'salesforce', rules: [] };
    });
    expect(restartChanges(base, after)).toEqual([]);
  });

  it('holds back a new upsert key or object until a restart', () => {
    const after = edit((m) => {
      m.salesforce!.externalIdField = 'Other__c';
      m.salesforce!.fields.Region__c = { from: 'customerProfile.address.country' };
    });
    expect(restartChanges(base, after).map((c) => c.path)).toEqual(['salesforce.externalIdField']);
  });

  it('holds back a new CRM section', () => {
    const after = edit((m) => {
      m.dynamics = Mapping.parse({
        version: 1,
        dynamics: { alternateKey: 'new_referralid', fields: { name: { from: 'name' } } },
      }).dynamics;
    });
    expect(restartChanges(base, after).map((c) => c.path)).toEqual(['dynamics']);
  });
});
