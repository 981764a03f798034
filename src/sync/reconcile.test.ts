import { describe, expect, it } from 'vitest';
import type { Referral } from '../domain/referral.ts';
import type { CrmSnapshot } from '../outbound/crm-snapshot.ts';
import type { CrmStatusWritten } from '../outbound/inbound-echo.ts';
import type { PushedValues } from '../outbound/snapshot-values.ts';
import type { ReferralSyncState } from '../ports/state.ts';
import { countDrift, findDrift, type CrmOpportunity, type DriftKind, type ReconcileInput } from './reconcile.ts';

const ref = (over: Partial<Referral> = {}): Referral => ({
  id: 'r1',
  eTag: '"e1"',
  status: 'New',
  substatus: 'Pending',
  externalReferenceId: 'OPP1',
  ...over,
});
const opp = (over: Partial<CrmSnapshot> = {}): CrmOpportunity => ({
  crm: 'salesforce',
  snapshot: {
    crmId: 'OPP1',
    referralId: 'r1',
    modstamp: '2026-01-01T00:00:00Z',
    decision: null,
    declineReason: null,
    lostReason: null,
    stage: 'Prospecting',
    isClosed: false,
    isWon: false,
    name: 'Deal',
    dealValue: null,
    currency: null,
    closeDate: null,
    notes: null,
    campaignId: null,
    teamContacts: [],
    ...over,
  },
});
const state: ReferralSyncState = {
  eTag: '"e1"',
  draftHash: 'h',
  crm: 'salesforce',
  crmId: 'OPP1',
  writtenBack: true,
  syncedAt: '2026-01-01T00:00:00Z',
};

interface Row {
  name: string;
  referral: Referral;
  opportunity: CrmOpportunity | null;
  state: ReferralSyncState | null;
  lastPushed?: PushedValues;
  lastWritten?: CrmStatusWritten;
  outbound?: boolean;
  expected: DriftKind | null;
}

const rows: Row[] = [
  { name: 'in step', referral: ref(), opportunity: opp(), state, expected: null },
  {
    name: 'open, no opportunity, no state',
    referral: ref({ externalReferenceId: null }),
    opportunity: null,
    state: null,
    expected: 'missing-opportunity',
  },
  {
    name: 'open, opportunity deleted by a user',
    referral: ref(),
    opportunity: null,
    state,
    expected: 'deleted-opportunity',
  },
  {
    // Issue 16: a referral that is a CRM Lead has no opportunity by design; the sweep leaves it alone.
    name: 'open, a Lead (no opportunity by design)',
    referral: ref({ externalReferenceId: '00QLEAD' }),
    opportunity: null,
    state: { ...state, crmId: '00QLEAD', record: 'lead' },
    expected: null,
  },
  {
    name: 'opportunity, externalReferenceId empty',
    referral: ref({ externalReferenceId: null }),
    opportunity: opp(),
    state,
    expected: 'missing-write-back',
  },
  {
    name: 'opportunity, externalReferenceId names another record',
    referral: ref({ externalReferenceId: 'OTHER' }),
    opportunity: opp(),
    state,
    expected: 'missing-write-back',
  },
  {
    name: 'opportunity and write-back, no state',
    referral: ref(),
    opportunity: opp(),
    state: null,
    expected: 'missing-state',
  },
  {
    name: 'accepted in the CRM, New in Partner Center',
    referral: ref(),
    opportunity: opp({ decision: 'accept' }),
    state,
    expected: 'undelivered-decision',
  },
  {
    name: 'accepted in the CRM, Active in Partner Center',
    referral: ref({ status: 'Active', substatus: 'Accepted' }),
    opportunity: opp({ decision: 'accept' }),
    state,
    expected: null,
  },
  {
    name: 'declined in the CRM, open in Partner Center',
    referral: ref({ status: 'Active' }),
    opportunity: opp({ decision: 'decline' }),
    state,
    expected: 'undelivered-decision',
  },
  {
    name: 'Won in the CRM, Active in Partner Center',
    referral: ref({ status: 'Active' }),
    opportunity: opp({ isClosed: true, isWon: true }),
    state,
    expected: 'undelivered-decision',
  },
  {
    name: 'Lost in the CRM, Active in Partner Center',
    referral: ref({ status: 'Active' }),
    opportunity: opp({ isClosed: true }),
    state,
    expected: 'undelivered-decision',
  },
  {
    name: 'Won already handled by outbound sync (refused or held)',
    referral: ref({ status: 'Active' }),
    opportunity: opp({ isClosed: true, isWon: true }),
    state,
    lastPushed: { outcome: 'won' },
    expected: null,
  },
  {
    name: 'decision with outbound sync off',
    referral: ref(),
    opportunity: opp({ decision: 'accept' }),
    state,
    outbound: false,
    expected: null,
  },
  {
    name: 'expired in Partner Center, open in the CRM',
    referral: ref({ status: 'Closed', substatus: 'Expired' }),
    opportunity: opp(),
    state,
    expected: 'closed-in-partner-center',
  },
  {
    name: 'expired, already shown on the opportunity',
    referral: ref({ status: 'Closed', substatus: 'Expired' }),
    opportunity: opp(),
    state,
    lastWritten: { status: 'Closed', substatus: 'Expired' },
    expected: null,
  },
  {
    name: 'expired, open in the CRM, outbound sync off (nothing can show it: not reported every sweep)',
    referral: ref({ status: 'Closed', substatus: 'Expired' }),
    opportunity: opp(),
    state,
    outbound: false,
    expected: null,
  },
  {
    name: 'expired, closed in the CRM too',
    referral: ref({ status: 'Closed', substatus: 'Expired' }),
    opportunity: opp({ isClosed: true }),
    state,
    expected: null,
  },
  {
    name: 'declined by the seller, opportunity left open',
    referral: ref({ status: 'Closed', substatus: 'Declined' }),
    opportunity: opp({ decision: 'decline' }),
    state,
    expected: null,
  },
  {
    name: 'closed, no opportunity',
    referral: ref({ status: 'Closed', substatus: 'Expired', externalReferenceId: null }),
    opportunity: null,
    state: null,
    expected: null,
  },
  {
    name: 'closed, no write-back',
    referral: ref({ status: 'Closed', substatus: 'Won', externalReferenceId: null }),
    opportunity: opp({ isClosed: true, isWon: true }),
    state: null,
    expected: null,
  },
];

function input(row: Row): ReconcileInput {
  return {
    referrals: [row.referral],
    opportunities: row.opportunity ? [row.opportunity] : [],
    states: new Map(row.state ? [[row.referral.id, row.state]] : []),
    lastPushed: new Map(row.lastPushed ? [[row.referral.id, row.lastPushed]] : []),
    lastWritten: new Map(row.lastWritten ? [[row.referral.id, row.lastWritten]] : []),
    outboundCrms: new Set(row.outbound === false ? [] : (['salesforce'] as const)),
  };
}

describe('findDrift', () => {
  it.each(rows)('$name -> $expected', (row) => {
    expect(findDrift(input(row)).map((d) => d.kind)).toEqual(row.expected ? [row.expected] : []);
  });

  it.each([
    ['missing-opportunity', { job: 'sync', repair: true }],
    ['deleted-opportunity', { job: 'none' }],
    ['missing-write-back', { job: 'sync', repair: true }],
    ['missing-state', { job: 'sync', repair: true }],
    ['undelivered-decision', { job: 'push', crm: 'salesforce' }],
    ['closed-in-partner-center', { job: 'sync', repair: true }],
  ] as const)('repairs %s through %o', (kind, action) => {
    const row = rows.find((r) => r.expected === kind) as Row;
    expect(findDrift(input(row))[0]?.action).toEqual(action);
  });

  it('compares with the opportunity Partner Center names when a referral has two (CRM=both)', () => {
    const other: CrmOpportunity = { ...opp({ crmId: 'dv-1' }), crm: 'dynamics' };
    const drifts = findDrift({ ...input(rows[0] as Row), opportunities: [other, opp()] });
    expect(drifts).toEqual([]);
  });

  it('counts every kind, zeros included', () => {
    const drifts = rows.flatMap((r) => findDrift(input(r)));
    expect(countDrift(drifts)).toEqual({
      'missing-opportunity': 1,
      'deleted-opportunity': 1,
      'missing-write-back': 2,
      'missing-state': 1,
      'undelivered-decision': 4,
      'closed-in-partner-center': 1,
    });
  });
});
