import { describe, expect, it } from 'vitest';
import { active, bare, base, decideRow, referral, snapshot, status, type Row } from './outbound.fixtures.ts';

// Table: what the partner does to a New referral's opportunity (issue 4).
const rows: Row[] = [
  {
    name: 'accept with all fields -> Active/Accepted with name, value, currency and date',
    referral: bare,
    snapshot: snapshot({
      decision: 'accept',
      name: 'Bluefin voice',
      dealValue: 64000,
      currency: 'usd',
      closeDate: '2025-07-31',
    }),
    expected: {
      kind: 'push',
      intent: 'accept',
      priority: 'decision',
      eTag: '"e1"',
      from: 'New/Pending',
      to: 'Active/Accepted',
      ops: [
        ...status('Active', 'Accepted'),
        { op: 'add', path: '/name', value: 'Bluefin voice' },
        { op: 'add', path: '/details/dealValue', value: 64000 },
        { op: 'add', path: '/details/currency', value: 'USD' },
        { op: 'add', path: '/details/closingDateTime', value: '2025-07-31T00:00:00Z' },
      ],
    },
  },
  {
    name: 'accept missing the close date -> refused, naming the field',
    referral: bare,
    snapshot: snapshot({ decision: 'accept', closeDate: null }),
    expected: {
      kind: 'refuse',
      intent: 'accept',
      showOnOpportunity: true,
      reason: expect.stringMatching(/^accept needs CloseDate: fill it in on the opportunity/),
    },
  },
  {
    name: 'accept missing value and currency -> both named; a value of 0 counts as missing',
    referral: bare,
    snapshot: snapshot({ decision: 'accept', dealValue: 0, currency: null }),
    expected: {
      kind: 'refuse',
      reason: expect.stringContaining('accept needs Amount and CurrencyIsoCode: fill them in'),
    },
  },
  {
    name: 'accept does not send notes the seller never touched over newer ones Microsoft wrote (#4)',
    referral: referral({
      details: {
        notes: 'Microsoft seller note',
        dealValue: 50000,
        currency: 'EUR',
        closingDateTime: '2025-06-30T00:00:00Z',
      },
    }),
    snapshot: snapshot({ decision: 'accept' }),
    lastPushed: { ...base, decision: null },
    expected: { kind: 'push', intent: 'accept', ops: status('Active', 'Accepted') },
  },
  {
    name: 'accept with a close date only in Partner Center -> accepted, date not re-sent',
    referral: referral(),
    snapshot: snapshot({ decision: 'accept', closeDate: null }),
    expected: { kind: 'push', intent: 'accept', ops: status('Active', 'Accepted') },
  },
  {
    name: 'accept by moving the opportunity off "On Hold"',
    referral: referral(),
    snapshot: snapshot({ stage: 'Qualification', notes: 'Call Lena first' }),
    lastPushed: base,
    expected: {
      kind: 'push',
      intent: 'accept',
      ops: [...status('Active', 'Accepted'), { op: 'replace', path: '/details/notes', value: 'Call Lena first' }],
    },
  },
  {
    name: 'edits while still on hold wait for the accept',
    referral: referral(),
    snapshot: snapshot({ notes: 'Call Lena first' }),
    lastPushed: base,
    expected: { kind: 'none' },
  },
  {
    name: 'decline with a mapped reason -> Closed/Declined and the documented statusReason',
    referral: referral(),
    snapshot: snapshot({ decision: 'decline', declineReason: 'budget' }),
    expected: {
      kind: 'push',
      intent: 'decline',
      priority: 'decision',
      to: 'Closed/Declined',
      ops: [
        ...status('Closed', 'Declined'),
        { op: 'replace', path: '/statusReason', value: "Project budget isn't adequate" },
      ],
    },
  },
  {
    name: 'decline with free text -> the text passes through, notes go along',
    referral: referral(),
    snapshot: snapshot({
      decision: 'decline',
      declineReason: ' Only want on-prem ',
      notes: 'Customer wants on-prem only',
    }),
    expected: {
      ops: [
        ...status('Closed', 'Declined'),
        { op: 'replace', path: '/statusReason', value: 'Only want on-prem' },
        { op: 'replace', path: '/details/notes', value: 'Customer wants on-prem only' },
      ],
    },
  },
  {
    name: 'decline with a documented reason in other case -> documented spelling',
    referral: referral(),
    snapshot: snapshot({ decision: 'decline', declineReason: 'not a customer' }),
    expected: {
      ops: [...status('Closed', 'Declined'), { op: 'replace', path: '/statusReason', value: 'Not a customer' }],
    },
  },
  {
    name: 'decline without a reason -> refused (requireReason)',
    referral: referral(),
    snapshot: snapshot({ decision: 'decline' }),
    expected: { kind: 'refuse', reason: expect.stringContaining('decline needs a reason (Decline_Reason__c)') },
  },
  {
    name: 'accept after Microsoft expired it -> refused',
    referral: referral({ status: 'Closed', substatus: 'Expired' }),
    snapshot: snapshot({ decision: 'accept' }),
    lastPushed: base,
    expected: {
      kind: 'refuse',
      intent: 'accept',
      reason: 'referral is Closed/Expired in Partner Center; it can no longer be accepted',
    },
  },
  {
    name: 'unknown status -> refused, not guessed',
    referral: referral({ status: 'Engaged', substatus: null }),
    snapshot: snapshot({ decision: 'accept' }),
    expected: { kind: 'refuse', intent: 'accept', reason: expect.stringContaining('Engaged/None is not one we know') },
  },
  {
    name: 'unknown substatus -> refused',
    referral: referral({ substatus: 'Error' }),
    snapshot: snapshot({ decision: 'accept' }),
    expected: { kind: 'refuse', reason: expect.stringContaining('New/Error is not one we know') },
  },
  {
    name: 'decline after accept -> refused, suggests Lost',
    referral: active(),
    snapshot: snapshot({ decision: 'decline', declineReason: 'budget' }),
    lastPushed: { ...base, decision: 'accept' },
    expected: {
      kind: 'refuse',
      intent: 'decline',
      reason: expect.stringContaining('close the opportunity as Lost'),
      seen: { decision: 'decline', declineReason: 'budget' },
    },
  },
  {
    name: 'Won on a New referral without an accept -> refused',
    referral: referral(),
    snapshot: snapshot({ stage: 'On Hold', isClosed: true, isWon: true }),
    lastPushed: base,
    expected: {
      kind: 'refuse',
      intent: 'won',
      reason: 'referral is New/Pending in Partner Center; accept it before closing the opportunity as Won',
    },
  },
  {
    name: 'New referral moved off hold straight to Closed Lost -> refused, decline instead',
    referral: referral(),
    snapshot: snapshot({ stage: 'Closed Lost', isClosed: true, lostReason: 'competitor' }),
    lastPushed: base,
    expected: {
      kind: 'refuse',
      intent: 'lost',
      reason: 'referral is New/Pending in Partner Center; decline it instead of closing the opportunity as Lost',
    },
  },
  {
    name: 'New referral moved off hold straight to Closed Won -> accepted first',
    referral: referral(),
    snapshot: snapshot({ stage: 'Closed Won', isClosed: true, isWon: true }),
    lastPushed: base,
    expected: { kind: 'push', intent: 'accept', ops: status('Active', 'Accepted') },
  },
];

describe('decideOutbound: New referrals', () => {
  it.each(rows)('$name', (row) => {
    expect(decideRow(row)).toMatchObject(row.expected);
  });
});
