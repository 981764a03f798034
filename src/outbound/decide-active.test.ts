import { describe, expect, it } from 'vitest';
import { active, base, decideRow, referral, snapshot, status, type Row } from './outbound.fixtures.ts';

// Table: Won/Lost and edits on an Active referral, a Closed referral, and the echo guard (issue 4).
const rows: Row[] = [
  {
    name: 'Closed Won -> Closed/Won',
    referral: active(),
    snapshot: snapshot({ stage: 'Closed Won', isClosed: true, isWon: true }),
    lastPushed: base,
    expected: {
      kind: 'push',
      intent: 'won',
      priority: 'decision',
      from: 'Active/Accepted',
      to: 'Closed/Won',
      ops: status('Closed', 'Won'),
    },
  },
  {
    name: 'Won within 72 h of creation -> held until created + 72 h',
    referral: active(),
    snapshot: snapshot({ isClosed: true, isWon: true }),
    lastPushed: base,
    now: new Date('2025-03-05T09:14:00Z'),
    expected: {
      kind: 'hold',
      intent: 'won',
      until: new Date('2025-03-06T09:14:00Z'),
      reason: expect.stringContaining('createdDateTime'),
    },
  },
  {
    name: 'Won hold measured from acceptedDateTime when configured',
    referral: active({ acceptedDateTime: '2025-03-05T00:00:00Z' }),
    snapshot: snapshot({ isClosed: true, isWon: true }),
    lastPushed: base,
    rules: { wonHoldBasis: 'acceptedDateTime' },
    expected: { kind: 'hold', until: new Date('2025-03-08T00:00:00Z') },
  },
  {
    name: 'Won with a new final value -> both in one patch',
    referral: active(),
    snapshot: snapshot({ isClosed: true, isWon: true, dealValue: 61000 }),
    lastPushed: base,
    expected: {
      kind: 'push',
      intent: 'won',
      ops: [...status('Closed', 'Won'), { op: 'replace', path: '/details/dealValue', value: 61000 }],
    },
  },
  {
    name: 'Closed Lost with a reason -> Closed/Lost with the mapped statusReason',
    referral: active(),
    snapshot: snapshot({ isClosed: true, isWon: false, lostReason: 'competitor' }),
    lastPushed: base,
    expected: {
      kind: 'push',
      intent: 'lost',
      to: 'Closed/Lost',
      ops: [
        ...status('Closed', 'Lost'),
        { op: 'replace', path: '/statusReason', value: 'Customer chose another vendor' },
      ],
    },
  },
  {
    name: 'edit while Active -> only the fields that changed and differ',
    referral: active({ name: 'Bluefin voice' }),
    snapshot: snapshot({ name: 'Bluefin voice', notes: 'Pilot in April', closeDate: '2025-09-30' }),
    lastPushed: base,
    expected: {
      kind: 'push',
      intent: 'edit',
      priority: 'edit',
      from: 'Active/Accepted',
      to: 'Active/Accepted',
      ops: [
        { op: 'replace', path: '/details/closingDateTime', value: '2025-09-30T00:00:00Z' },
        { op: 'replace', path: '/details/notes', value: 'Pilot in April' },
      ],
    },
  },
  {
    name: 'edit while Active keeps a value Microsoft changed that the partner did not touch',
    referral: active({
      details: { dealValue: 90000, currency: 'EUR', notes: 'x', closingDateTime: '2025-06-30T00:00:00Z' },
    }),
    snapshot: snapshot({ notes: 'y' }),
    lastPushed: { ...base, notes: 'x' },
    expected: { kind: 'push', ops: [{ op: 'replace', path: '/details/notes', value: 'y' }] },
  },
  {
    name: 'edit while Active: a new team contact and a campaign id',
    referral: active(),
    snapshot: snapshot({
      campaignId: '701Dn000001',
      teamContacts: [
        { firstName: 'Omar', lastName: 'Haddad', email: 'OMAR@northwind.example' },
        { firstName: 'Ines', lastName: 'Roth', email: 'ines@northwind.example' },
      ],
    }),
    lastPushed: base,
    expected: {
      ops: [
        { op: 'add', path: '/campaignId', value: '701Dn000001' },
        { op: 'add', path: '/team/-', value: { firstName: 'Ines', lastName: 'Roth', email: 'ines@northwind.example' } },
      ],
    },
  },
  {
    name: 'edit while Closed -> refused with the reason',
    referral: referral({ status: 'Closed', substatus: 'Won' }),
    snapshot: snapshot({ isClosed: true, isWon: true, dealValue: 70000 }),
    lastPushed: { ...base, outcome: 'won' },
    expected: {
      kind: 'refuse',
      intent: 'edit',
      reason: expect.stringMatching(/^referral is Closed\/Won in Partner Center; edits are not accepted/),
    },
  },
  {
    name: 'opportunity closed Lost after the decline agrees -> none',
    referral: referral({ status: 'Closed', substatus: 'Declined' }),
    snapshot: snapshot({ decision: 'decline', declineReason: 'budget', isClosed: true }),
    lastPushed: { ...base, decision: 'decline', declineReason: 'budget' },
    expected: { kind: 'none' },
  },
  {
    name: 'same snapshot as lastPushed -> none',
    referral: active(),
    snapshot: snapshot(),
    lastPushed: base,
    expected: { kind: 'none' },
  },
  {
    name: 'a value inbound wrote in its own form (mapping adds a mark) is not pushed back with an edit',
    referral: active({ name: 'Bluefin Teams Phone' }),
    snapshot: snapshot({ name: '✔ Bluefin Teams Phone', notes: 'Pilot in April' }),
    lastPushed: { ...base, name: '✔ Bluefin Teams Phone' },
    expected: {
      kind: 'push',
      intent: 'edit',
      ops: [{ op: 'replace', path: '/details/notes', value: 'Pilot in April' }],
    },
  },
];

describe('decideOutbound: Active and Closed referrals', () => {
  it.each(rows)('$name', (row) => {
    expect(decideRow(row)).toMatchObject(row.expected);
  });
});
