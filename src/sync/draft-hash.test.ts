import { describe, expect, it } from 'vitest';
import type { OpportunityDraft } from '../ports/crm.ts';
import { changedPart, contentHash, draftHash, draftHashes, fieldHashes } from './draft-hash.ts';

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

describe('hash strings (kept in sync state: they must never change form)', () => {
  // Values the original entries/sort/map/join version of stableStringify gave (issue 19 rewrote it).
  const odd = draft({
    Name: 'Deal "α" \u2028',
    Amount: 100.5,
    Flag: true,
    Empty: null,
    Skip: undefined,
    List: [1, 'b', null, undefined, { z: 1, a: [2] }],
    Obj: { b: 2, a: 'x', u: undefined },
    When: new Date(0),
  } as never);
  const fields = {
    Name: '1kbjug6k1a5',
    Amount: '1q66v62y8r4',
    Flag: '1jjys1etay2',
    Empty: '2gd2hegyqjs',
    Skip: '2gd2hegyqjs',
    List: '2ojnvnwqd3',
    Obj: '1cv30ylw1h',
    When: 'p0taqtd0u3',
    '@account': '2f1xe8useca',
  };

  it('draftHash, fieldHashes and contentHash give the values stored before', () => {
    expect(draftHash(odd)).toBe('z9eipuyycg20lf15u4oc4');
    expect(fieldHashes(odd)).toEqual(fields);
    expect(draftHash(draft({ A: 1 }, null))).toBe('u3oe1srt2gqpq2qkoare');
    expect(contentHash({ b: [1, { d: 1, c: undefined }], a: 'x' })).toBe('172hy9vntb1q1ij8q63dk');
  });

  it('draftHashes gives both at once, the same values', () => {
    expect(draftHashes(odd)).toEqual({ hash: 'z9eipuyycg20lf15u4oc4', hashes: fields });
    expect(draftHashes(draft({ A: 1 }, null))).toEqual({ hash: 'u3oe1srt2gqpq2qkoare', hashes: { A: 'uvqa3at41j' } });
  });
});
