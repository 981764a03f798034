import { describe, expect, it } from 'vitest';
import { DynamicsOutboundFields } from '../../src/mapping/outbound-fields.ts';
import { OutboundRules } from '../../src/outbound/outbound-rules.ts';
import { snapshotColumns, toSnapshot, type SnapshotColumns } from './snapshot.ts';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const columns: SnapshotColumns = {
  alternateKey: 'new_referralid',
  stage: 'stepname',
  fields: DynamicsOutboundFields.parse({
    decisionChoices: { '100000000': 'Accept', '100000001': 'Decline' },
    lostReason: 'new_lostreason',
    campaignId: '_campaignid_value',
  }),
};
const rules = OutboundRules.parse({});
const row = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  opportunityid: ID,
  new_referralid: 'R-1',
  modifiedon: '2026-03-01T10:00:00Z',
  statecode: 0,
  name: 'Deal',
  estimatedvalue: 1200.5,
  estimatedclosedate: '2026-06-30',
  description: 'notes',
  transactioncurrencyid: { isocurrencycode: 'eur' },
  stepname: '1-Qualify',
  new_referraldecision: null,
  new_referraldeclinereason: null,
  new_lostreason: null,
  _campaignid_value: null,
  ...over,
});

describe('snapshotColumns', () => {
  it('selects each configured column once', () => {
    expect(snapshotColumns(columns)).toEqual([
      'opportunityid',
      'new_referralid',
      'modifiedon',
      'statecode',
      'new_referraldecision',
      'new_referraldeclinereason',
      'new_lostreason',
      'name',
      'estimatedvalue',
      'estimatedclosedate',
      'description',
      '_campaignid_value',
      'stepname',
    ]);
  });
});

describe('toSnapshot', () => {
  const table: [string, Record<string, unknown>, Record<string, unknown>][] = [
    [
      'open, no decision',
      {},
      {
        isClosed: false,
        isWon: false,
        decision: null,
        currency: 'EUR',
        dealValue: 1200.5,
        closeDate: '2026-06-30',
        stage: '1-Qualify',
      },
    ],
    ['choice value mapped through decisionChoices', { new_referraldecision: 100000000 }, { decision: 'accept' }],
    ['second choice value', { new_referraldecision: 100000001 }, { decision: 'decline' }],
    [
      'unmapped choice falls back to its FormattedValue label',
      { new_referraldecision: 7, 'new_referraldecision@OData.Community.Display.V1.FormattedValue': 'Decline' },
      { decision: 'decline' },
    ],
    ['unmapped choice without a label is no decision', { new_referraldecision: 7 }, { decision: null }],
    ['text decision column', { new_referraldecision: ' accept ' }, { decision: 'accept' }],
    ['won', { statecode: 1 }, { isClosed: true, isWon: true }],
    [
      'lost with a choice reason label',
      { statecode: 2, new_lostreason: 3, 'new_lostreason@OData.Community.Display.V1.FormattedValue': 'Competitor' },
      { isClosed: true, isWon: false, lostReason: 'Competitor' },
    ],
    [
      'choice reason without a label reads as its value',
      { new_referraldeclinereason: 100000002 },
      { declineReason: '100000002' },
    ],
    ['no currency lookup', { transactioncurrencyid: null }, { currency: null }],
    [
      'date-time close date keeps the date',
      { estimatedclosedate: '2026-06-30T00:00:00Z' },
      { closeDate: '2026-06-30' },
    ],
    ['blank notes are null', { description: '  ' }, { notes: null }],
    ['unreadable close date is null', { estimatedclosedate: 'soon' }, { closeDate: null }],
    ['campaign lookup', { _campaignid_value: 'c1' }, { campaignId: 'c1' }],
  ];
  it.each(table)('%s', (_name, over, expected) => {
    const read = toSnapshot(row(over), columns, rules);
    if (!read.ok) throw new Error(read.error);
    expect(read.snapshot).toMatchObject({ crmId: ID, referralId: 'R-1', teamContacts: [], ...expected });
  });

  it.each([
    ['no referral id', { new_referralid: null }, 'referralId'],
    ['no modifiedon', { modifiedon: null }, 'modstamp'],
    ['no statecode', { statecode: undefined }, 'isClosed'],
  ])('reports %s as invalid', (_name, over, path) => {
    const read = toSnapshot(row(over), columns, rules);
    expect(read).toMatchObject({ ok: false, crmId: ID });
    if (!read.ok) expect(read.error).toContain(path);
  });
});
