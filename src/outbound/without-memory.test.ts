import { describe, expect, it } from 'vitest';
import type { Referral } from '../domain/referral.ts';
import type { CrmSnapshot } from './crm-snapshot.ts';
import { decideOutbound } from './decide.ts';
import { active, NOW, referral, rules, snapshot, status } from './outbound.fixtures.ts';
import { mergePushed, valuesOf } from './snapshot-values.ts';
import { decideWithoutMemory, newerSide } from './without-memory.ts';

/* Outbound decisions after the echo guard's memory is gone (issue 20, item 2). */

/** The snapshot's modstamp is 2025-03-04T10:00Z: Microsoft edited after it, the seller before. */
const MS_EDIT = '2025-03-05T08:00:00Z';
const BEFORE_SELLER = '2025-03-04T09:00:00Z';
const MS_NOTES = 'Microsoft: customer now wants 200 users';
const pcNewer = (r: Referral): Referral => ({ ...r, updatedDateTime: MS_EDIT });
const crmNewer = (r: Referral): Referral => ({ ...r, updatedDateTime: BEFORE_SELLER });
const msEdited = (r: Referral): Referral => ({ ...r, details: { ...r.details, notes: MS_NOTES } });
const decide = (r: Referral, s: CrmSnapshot) =>
  decideWithoutMemory({ referral: r, snapshot: s, rules: rules(), now: NOW });

describe('newerSide', () => {
  it.each([
    ['CRM saved after the referral changed', BEFORE_SELLER, 'crm'],
    ['referral changed after the CRM save', MS_EDIT, 'partner-center'],
    ['same instant (nothing is sent for edits)', '2025-03-04T10:00:00Z', 'partner-center'],
    ['no updatedDateTime (cannot tell: nothing is sent for edits)', undefined, 'partner-center'],
  ] as const)('%s -> %s', (_name, updated, expected) => {
    expect(newerSide({ updatedDateTime: updated }, snapshot())).toBe(expected);
  });

  it('compares instants, whatever the offset format (Salesforce writes +0000)', () => {
    expect(
      newerSide({ updatedDateTime: '2025-03-04T10:00:00.500Z' }, { modstamp: '2025-03-04T10:00:01.000+0000' }),
    ).toBe('crm');
  });
});

const rows: { name: string; referral: Referral; snapshot: CrmSnapshot; expected: Record<string, unknown> }[] = [
  {
    name: 'Microsoft edited notes after our last CRM write: nothing is sent (the issue 20 overwrite)',
    referral: pcNewer(msEdited(active())),
    snapshot: snapshot(),
    expected: { kind: 'none' },
  },
  {
    name: 'the seller edited notes after the referral last changed: the edit is sent',
    referral: crmNewer(active()),
    snapshot: snapshot({ notes: 'Seller: pilot with 20 users first' }),
    expected: {
      kind: 'push',
      intent: 'edit',
      ops: [{ op: 'replace', path: '/details/notes', value: 'Seller: pilot with 20 users first' }],
    },
  },
  {
    name: 'an opportunity we wrote after the referral changed, values equal: nothing is sent',
    referral: crmNewer(active()),
    snapshot: snapshot(),
    expected: { kind: 'none' },
  },
  {
    name: "accept on a New referral Microsoft edited since: the accept goes, Microsoft's notes stay",
    referral: pcNewer(msEdited(referral())),
    snapshot: snapshot({ decision: 'accept', dealValue: 80000 }),
    expected: {
      kind: 'push',
      intent: 'accept',
      ops: [...status('Active', 'Accepted'), { op: 'replace', path: '/details/dealValue', value: 80000 }],
    },
  },
  {
    name: "accept saved after the referral changed: sent with the seller's other edits",
    referral: crmNewer(referral()),
    snapshot: snapshot({ decision: 'accept', notes: 'Seller: signed NDA' }),
    expected: {
      kind: 'push',
      intent: 'accept',
      ops: [...status('Active', 'Accepted'), { op: 'replace', path: '/details/notes', value: 'Seller: signed NDA' }],
    },
  },
  {
    name: 'decline on a New referral: sent (a decision Partner Center does not show yet)',
    referral: pcNewer(referral()),
    snapshot: snapshot({ decision: 'decline', declineReason: 'budget' }),
    expected: { kind: 'push', intent: 'decline', to: 'Closed/Declined' },
  },
  {
    name: 'accept already pushed (referral Active, changed last by our push): not pushed again',
    referral: pcNewer(active()),
    snapshot: snapshot({ decision: 'accept' }),
    expected: { kind: 'none' },
  },
  {
    name: 'accept already pushed, opportunity saved since by us: not pushed again',
    referral: crmNewer(active()),
    snapshot: snapshot({ decision: 'accept' }),
    expected: { kind: 'none' },
  },
  {
    name: 'Closed Won on an Active referral Microsoft edited since: Won goes alone, notes stay',
    referral: pcNewer(msEdited(active())),
    snapshot: snapshot({ decision: 'accept', stage: 'Closed Won', isClosed: true, isWon: true }),
    expected: { kind: 'push', intent: 'won', ops: status('Closed', 'Won') },
  },
  {
    name: 'Won already pushed (referral Closed/Won): nothing sent, nothing refused',
    referral: crmNewer(active({ status: 'Closed', substatus: 'Won' })),
    snapshot: snapshot({ decision: 'accept', stage: 'Closed Won', isClosed: true, isWon: true }),
    expected: { kind: 'none' },
  },
  {
    name: 'Lost already pushed (referral Closed/Lost): nothing sent, nothing refused',
    referral: pcNewer(active({ status: 'Closed', substatus: 'Lost' })),
    snapshot: snapshot({ decision: 'accept', stage: 'Closed Lost', isClosed: true, lostReason: 'competitor' }),
    expected: { kind: 'none' },
  },
  {
    name: 'decline already pushed, opportunity still open: not refused as a reopen',
    referral: crmNewer(referral({ status: 'Closed', substatus: 'Declined' })),
    snapshot: snapshot({ decision: 'decline', declineReason: 'budget' }),
    expected: { kind: 'none' },
  },
  {
    name: 'a Closed referral edited in the CRM afterwards: the edit is refused with a reason',
    referral: crmNewer(active({ status: 'Closed', substatus: 'Won' })),
    snapshot: snapshot({ stage: 'Closed Won', isClosed: true, isWon: true, dealValue: 1 }),
    expected: { kind: 'refuse', intent: 'edit', reason: expect.stringContaining('edits are not accepted') },
  },
];

describe('decideWithoutMemory', () => {
  it.each(rows)('$name', (row) => {
    expect(decide(row.referral, row.snapshot).decision).toMatchObject(row.expected);
  });

  it('Partner Center newer: the opportunity as it is becomes the baseline', () => {
    expect(decide(pcNewer(msEdited(active())), snapshot()).rebaseline).toEqual(valuesOf(snapshot()));
  });

  it('after the re-baseline a genuine seller edit is found and sent alone', () => {
    const pc = pcNewer(msEdited(active()));
    const lastPushed = mergePushed(null, decide(pc, snapshot()).rebaseline ?? {});
    const edited = snapshot({ modstamp: '2025-03-06T10:00:00.000Z', notes: MS_NOTES, dealValue: 64000 });
    const next = decideOutbound({ referral: pc, snapshot: edited, lastPushed, rules: rules(), now: NOW });
    expect(next).toMatchObject({
      kind: 'push',
      intent: 'edit',
      ops: [{ op: 'replace', path: '/details/dealValue', value: 64000 }],
    });
  });

  it("a New referral's newer CRM edits are not remembered: they travel with the later accept", () => {
    const out = decide(crmNewer(referral()), snapshot({ notes: 'Seller: signed NDA' }));
    expect(out).toMatchObject({ decision: { kind: 'none' }, rebaseline: null });
  });
});
