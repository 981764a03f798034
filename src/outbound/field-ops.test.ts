import { describe, expect, it } from 'vitest';
import type { Referral } from '../domain/referral.ts';
import { fieldOps, readPointer, utcDay } from './field-ops.ts';
import { EDIT_FIELDS } from './outbound-rules.ts';
import { referral, snapshot } from './outbound.fixtures.ts';
import { valuesOf } from './snapshot-values.ts';

const ops = (r: Referral, over: Parameters<typeof snapshot>[0] = {}) => {
  const snap = snapshot(over);
  return fieldOps({
    referral: r,
    values: valuesOf(snap),
    contacts: snap.teamContacts,
    fields: EDIT_FIELDS,
    campaignIdPath: '/campaignId',
  });
};

describe('fieldOps', () => {
  it('sends nothing when the values agree (date compared by UTC day, currency by case)', () => {
    const r = referral({
      details: {
        dealValue: 50000,
        currency: 'eur',
        notes: 'Need Teams Phone for 120 users',
        closingDateTime: '2025-06-30T09:30:00Z',
      },
    });
    expect(ops(r)).toEqual([]);
  });

  it('never clears a Partner Center value from an empty CRM field', () => {
    expect(ops(referral(), { notes: '  ', dealValue: null, currency: null, closeDate: null, name: '' })).toEqual([]);
  });

  it('adds a missing details object before its fields', () => {
    expect(ops(referral({ details: null }), { notes: null, currency: null, closeDate: null })).toEqual([
      { op: 'add', path: '/details', value: {} },
      { op: 'add', path: '/details/dealValue', value: 50000 },
    ]);
  });

  it('adds the team array when the referral has none, de-duplicating by e-mail', () => {
    const contacts = [
      { firstName: 'Ines', lastName: 'Roth', email: 'ines@northwind.example ' },
      { firstName: 'Ines', lastName: 'Roth', email: 'INES@northwind.example' },
    ];
    expect(ops(referral({ team: null }), { teamContacts: contacts })).toEqual([
      { op: 'add', path: '/team', value: [{ firstName: 'Ines', lastName: 'Roth', email: 'ines@northwind.example' }] },
    ]);
  });

  it("sends a member's phone number when the CRM has one", () => {
    const contacts = [
      { firstName: 'Ines', lastName: 'Roth', email: 'ines@northwind.example', phoneNumber: '+49 30 1234' },
    ];
    expect(ops(referral(), { teamContacts: contacts })).toEqual([
      {
        op: 'add',
        path: '/team/-',
        value: { firstName: 'Ines', lastName: 'Roth', email: 'ines@northwind.example', phoneNumber: '+49 30 1234' },
      },
    ]);
  });

  it('replaces a campaign id that exists, at the configured path', () => {
    const r = { ...referral(), campaignId: 'old' };
    expect(ops(r, { campaignId: 'new' })).toEqual([{ op: 'replace', path: '/campaignId', value: 'new' }]);
  });
});

describe('helpers', () => {
  it.each([
    ['2025-06-30T00:00:00Z', '2025-06-30'],
    ['2025-06-30T23:00:00-02:00', '2025-07-01'],
    ['not a date', null],
    [null, null],
  ])('utcDay(%o) = %o', (iso, day) => expect(utcDay(iso)).toBe(day));

  it('reads JSON pointers with escapes', () => {
    expect(readPointer({ a: { 'b/c': { '~d': 1 } } }, '/a/b~1c/~0d')).toBe(1);
    expect(readPointer({ a: null }, '/a/b')).toBeUndefined();
  });
});
