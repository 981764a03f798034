import { describe, expect, it } from 'vitest';
import { EDIT_FIELDS, OutboundRules, toDecision, toStatusReason } from './outbound-rules.ts';

describe('OutboundRules', () => {
  it('has defaults for every setting', () => {
    const r = OutboundRules.parse({});
    expect(r.wonHoldHours).toBe(72);
    expect(r.wonHoldBasis).toBe('createdDateTime');
    expect(r.editableWhileActive).toEqual([...EDIT_FIELDS]);
    expect(r.accept).toEqual({ decisionValues: ['Accept'], onHoldStages: [] });
    expect(r.decline.requireReason).toBe(true);
    expect(r.labels.closingDateTime).toBe('close date');
    expect(r.campaignIdPath).toBe('/campaignId');
  });

  it('rejects unknown keys and bad values, naming the path', () => {
    const bad = OutboundRules.safeParse({ wonHoldHourz: 48, editableWhileActive: ['stage'], wonHoldHours: -1 });
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['', 'editableWhileActive.0', 'wonHoldHours']));
  });
});

describe('toDecision', () => {
  const rules = OutboundRules.parse({
    accept: { decisionValues: ['Accept', 'Accepted'] },
    decline: { decisionValues: ['Reject'] },
  });
  it.each([
    ['Accept', 'accept'],
    [' accepted ', 'accept'],
    ['REJECT', 'decline'],
    ['Decline', null],
    ['', null],
    [null, null],
  ] as const)('%o -> %o', (raw, expected) => {
    expect(toDecision(raw, rules)).toBe(expected);
  });
});

describe('toStatusReason', () => {
  const map = { budget: "Project budget isn't adequate", Timeline: 'Proposed timeline was too short' };
  it.each([
    ['budget', "Project budget isn't adequate"],
    ['timeline', 'Proposed timeline was too short'],
    ['customer chose another vendor', 'Customer chose another vendor'],
    ['  Went with a reseller ', 'Went with a reseller'],
    ['   ', null],
    [null, null],
  ] as const)('%o -> %o', (raw, expected) => {
    expect(toStatusReason(raw, map)).toBe(expected);
  });
});
