import { describe, expect, it } from 'vitest';
import { leadDecision, leadSnapshot, type LeadRead } from './lead-decision.ts';

const salesforce = {
  declineStatuses: ['Closed - Not Converted'],
  reasonMap: { Budget: "Project budget isn't adequate" },
};
const dataverse = { declineStatuses: ['2'], reasonMap: { '5': "Customer didn't respond" } };

describe('leadDecision', () => {
  it.each([
    [
      'an open lead: nothing',
      salesforce,
      { convertedTo: null, status: 'Working - Contacted', reason: null },
      { kind: 'none' },
    ],
    ['no status: nothing', salesforce, { convertedTo: null, status: null, reason: 'Budget' }, { kind: 'none' }],
    [
      'converted: accept with the opportunity',
      salesforce,
      { convertedTo: '006000000000001AAA', status: 'Closed - Converted', reason: null },
      { kind: 'accept', opportunityId: '006000000000001AAA' },
    ],
    [
      'conversion wins over a disqualifying status',
      salesforce,
      { convertedTo: '006000000000001AAA', status: 'Closed - Not Converted', reason: 'Budget' },
      { kind: 'accept', opportunityId: '006000000000001AAA' },
    ],
    [
      'disqualified with a mapped reason: decline in Partner Center words',
      salesforce,
      { convertedTo: null, status: 'closed - not converted ', reason: 'Budget' },
      { kind: 'decline', reason: "Project budget isn't adequate" },
    ],
    [
      'disqualified with an unlisted reason: sent as written',
      salesforce,
      { convertedTo: null, status: 'Closed - Not Converted', reason: 'Not a customer' },
      { kind: 'decline', reason: 'Not a customer' },
    ],
    [
      'disqualified without a reason: decline, reason null (the outbound rules decide if that is enough)',
      salesforce,
      { convertedTo: null, status: 'Closed - Not Converted', reason: ' ' },
      { kind: 'decline', reason: null },
    ],
    [
      'Dataverse Disqualified / Cannot Contact',
      dataverse,
      { convertedTo: null, status: '2', reason: '5' },
      { kind: 'decline', reason: "Customer didn't respond" },
    ],
    ['Dataverse open lead', dataverse, { convertedTo: null, status: '0', reason: '1' }, { kind: 'none' }],
  ] as const)('%s', (_name, rules, lead, expected) => {
    expect(leadDecision(lead, rules)).toEqual(expected);
  });
});

describe('leadSnapshot', () => {
  const lead: LeadRead = {
    crmId: '00Q000000000001AAA',
    referralId: 'ref-1',
    modstamp: '2026-01-01T00:00:00.000+0000',
    name: 'Bluefin Logistics',
    convertedTo: null,
    status: 'Closed - Not Converted',
    reason: 'Budget',
  };

  it('carries a decline and its reason, and no deal values', () => {
    const s = leadSnapshot(lead, salesforce);
    expect([s.decision, s.declineReason, s.dealValue, s.closeDate]).toEqual([
      'decline',
      "Project budget isn't adequate",
      null,
      null,
    ]);
  });

  it('reads a converted lead as an accept', () => {
    expect(leadSnapshot({ ...lead, convertedTo: '006000000000001AAA' }, salesforce).decision).toBe('accept');
  });
});
