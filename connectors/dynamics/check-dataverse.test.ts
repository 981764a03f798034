import { describe, expect, it } from 'vitest';
import { checkColumn, type ColumnRequirement, type EntityDefinition } from './check-dataverse.ts';

const def = (over: Partial<EntityDefinition> = {}): EntityDefinition => ({
  LogicalName: 'opportunity',
  Attributes: [
    { LogicalName: 'new_referralid', IsValidForCreate: true, IsValidForUpdate: true },
    { LogicalName: 'new_referralsyncmessage', IsValidForCreate: true, IsValidForUpdate: true },
    { LogicalName: 'statecode', IsValidForCreate: false, IsValidForUpdate: false },
  ],
  Keys: [{ KeyAttributes: ['new_referralid'], EntityKeyIndexStatus: 'Active' }],
  ...over,
});
const req = (column: string, role: ColumnRequirement['role']): ColumnRequirement => ({
  entitySet: 'opportunities',
  column,
  role,
  purpose: 'test',
});

describe('checkColumn', () => {
  it.each<[string, ColumnRequirement, EntityDefinition | null, string | null]>([
    ['an active single-column key', req('new_referralid', 'alternate-key'), def(), null],
    ['a writable column', req('new_referralsyncmessage', 'writable'), def(), null],
    ['a read-only column read only', req('statecode', 'readable'), def(), null],
    ['case in the column name', req('New_ReferralId', 'alternate-key'), def(), null],
    ['no such table', req('new_referralid', 'readable'), null, 'table opportunities does not exist'],
    ['no such column', req('new_missing', 'writable'), def(), 'column opportunity.new_missing does not exist'],
    [
      'a column without a key',
      req('new_referralsyncmessage', 'alternate-key'),
      def(),
      'has no alternate key of its own',
    ],
    [
      'a key spanning two columns',
      req('new_referralid', 'alternate-key'),
      def({ Keys: [{ KeyAttributes: ['new_referralid', 'name'] }] }),
      'has no alternate key of its own',
    ],
    [
      'a key still being built',
      req('new_referralid', 'alternate-key'),
      def({ Keys: [{ KeyAttributes: ['new_referralid'], EntityKeyIndexStatus: 'InProgress' }] }),
      'is InProgress, not Active',
    ],
    ['a read-only column written', req('statecode', 'writable'), def(), 'opportunity.statecode cannot be written'],
  ])('%s', (_name, r, d, problem) => {
    const out = checkColumn(r, d);
    expect(out.ok).toBe(problem === null);
    if (problem !== null) expect(out.problem).toContain(problem);
  });
});
