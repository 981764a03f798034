import { describe, expect, it } from 'vitest';
import { mappingImpact } from './impact.ts';
import { previewReferral, sameCrmValue } from './preview.ts';
import type { FieldValue } from '../ports/crm.ts';
import { EXAMPLES } from './referral-examples.fixture.ts';
import { Mapping } from './schema.ts';

const NOW = new Date('2025-03-04T10:00:00Z');
const SF = { kinds: ['salesforce'] as const, both: false };
const referrals = Object.values(EXAMPLES);

const mapping = (fields: Record<string, unknown>) =>
  Mapping.parse({
    version: 1,
    salesforce: {
      externalIdField: 'Referral_Id__c',
      fields: {
        Name: { from: 'name', default: 'x' },
        StageName: { from: 'status', createOnly: true },
        CloseDate: { const: '2025-12-31' },
        ...fields,
      },
    },
  });
const before = mapping({ Description: { from: 'details.notes' } });

describe('mappingImpact', () => {
  it('finds nothing to change between equal versions', () => {
    const r = mappingImpact(referrals, NOW, before, before, SF);
    expect(r).toMatchObject({ referrals: referrals.length, changed: 0, parked: 0, fields: {} });
  });

  it('counts every opportunity that gets a new custom field, under that field', () => {
    const after = mapping({ Description: { from: 'details.notes' }, Region__c: { const: 'EMEA' } });
    const r = mappingImpact(referrals, NOW, before, after, SF);
    expect(r.changed).toBe(referrals.length);
    expect(r.fields).toEqual({ Region__c: referrals.length });
  });

  it('counts referrals a required rule would park, with the reason once', () => {
    const after = mapping({ Description: { from: 'details.notes', required: true } });
    const withoutNotes = referrals.filter((r) => !r.details?.notes).length;
    const r = mappingImpact(referrals, NOW, before, after, SF);
    expect(r.parked).toBe(withoutNotes);
    expect(r.reasons).toEqual([
      { reason: expect.stringContaining('salesforce.fields.Description'), count: withoutNotes },
    ]);
  });
});

describe('previewReferral', () => {
  it('marks the fields whose value differs from the version in force', () => {
    const after = mapping({ Description: { const: 'fixed text' } });
    const p = previewReferral(EXAMPLES.marketplaceInquiry, NOW, after, before, SF);
    expect(p.fields.find((f) => f.name === 'Description')).toEqual({
      name: 'Description',
      value: 'fixed text',
      before: 'Need Teams Phone for 120 users',
      createOnly: false,
      changed: true,
    });
    expect(p.fields.find((f) => f.name === 'StageName')).toMatchObject({ createOnly: true, changed: false });
    expect(p.route).toEqual({ crm: 'salesforce', why: 'the only CRM' });
  });

  it('lists fields the edit stops writing', () => {
    const p = previewReferral(EXAMPLES.marketplaceInquiry, NOW, mapping({}), before, SF);
    expect(p.dropped).toEqual(['Description']);
  });
});

describe('sameCrmValue', () => {
  it.each<[string, FieldValue, FieldValue | undefined, boolean]>([
    ['the same instant written two ways', '2025-03-17T00:00:00.000Z', '2025-03-17T00:00:00.000+0000', true],
    ['another instant', '2025-03-17T00:00:00.000Z', '2025-03-18T00:00:00.000+0000', false],
    ['a number stored as 5000.0', 5000, 5000.0, true],
    ['text differing in case', 'Web', 'web', false],
    ['a field the CRM does not return', 'x', undefined, false],
  ])('%s', (_name, mapped, stored, same) => {
    expect(sameCrmValue(mapped, stored)).toBe(same);
  });
});
