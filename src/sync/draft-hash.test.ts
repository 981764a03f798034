import { describe, expect, it } from 'vitest';
import type { OpportunityDraft } from '../ports/crm.ts';
import { changedPart, draftHash, fieldHashes } from './draft-hash.ts';

const account = { match: { Name: 'Contoso' }, fields: { Name: 'Contoso', BillingCountry: 'DE' } };
const draft = (fields: OpportunityDraft['fields'], acc: OpportunityDraft['account'] = account): OpportunityDraft => ({
  referralId: 'R-1',
  fields,
  account: acc,
});

describe('draftHash', () => {
  it('ignores key order and tells any value change', () => {
    expect(draftHash(draft({ A: 1, B: 'x' }))).toBe(draftHash(draft({ B: 'x', A: 1 })));
    expect(draftHash(draft({ A: 1, B: 'x' }))).not.toBe(draftHash(draft({ A: 1, B: 'y' })));
  });
});

describe('changedPart', () => {
  const before = fieldHashes(draft({ Name: 'Deal', Amount: 100, Description: 'n1' }));

  it('keeps only the fields whose value changed, and leaves the account out when it did not change', () => {
    const now = draft({ Name: 'Deal', Amount: 100, Description: 'n2' });
    expect(changedPart(now, before, fieldHashes(now))).toEqual({
      referralId: 'R-1',
      fields: { Description: 'n2' },
      account: null,
    });
  });

  it('sends a field the mapping newly writes, and the account when the customer changed', () => {
    const acc = { ...account, fields: { ...account.fields, BillingCountry: 'AT' } };
    const now = draft({ Name: 'Deal', Amount: 100, Description: 'n1', NextStep: 'call' }, acc);
    expect(changedPart(now, before, fieldHashes(now))).toEqual({
      referralId: 'R-1',
      fields: { NextStep: 'call' },
      account: acc,
    });
  });

  it('is null when nothing is left to send (a field that became empty is left out of writes)', () => {
    const now = draft({ Name: 'Deal', Amount: 100 });
    expect(changedPart(now, before, fieldHashes(now))).toBeNull();
  });

  it('is the whole update when no per-field hashes were kept (state from an older version)', () => {
    const now = draft({ Name: 'Deal', Amount: 100, Description: 'n2' });
    expect(changedPart(now, undefined, fieldHashes(now))).toBe(now);
  });

  it('tells null from a missing field and a number from its text', () => {
    const a = fieldHashes(draft({ X: null, Y: 1 }));
    const b = fieldHashes(draft({ X: 'null', Y: '1' }));
    expect(a.X).not.toBe(b.X);
    expect(a.Y).not.toBe(b.Y);
  });
});
