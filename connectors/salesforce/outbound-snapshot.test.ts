import { describe, expect, it } from 'vitest';
import { SalesforceOutboundFields } from '../../src/mapping/outbound-fields.ts';
import { OutboundRules } from '../../src/outbound/outbound-rules.ts';
import { parseSoql } from '../../test/fakes/salesforce/fake-soql.ts';
import { selectFields, toSnapshot, type OutboundReadSettings } from './outbound-snapshot.ts';
import { changedSinceSoql, latestById } from './outbound-sync.ts';

const settings = (fields: Partial<SalesforceOutboundFields> = {}, rules: object = {}): OutboundReadSettings => ({
  objectName: 'Opportunity',
  externalIdField: 'Referral_Id__c',
  fields: SalesforceOutboundFields.parse(fields),
  rules: OutboundRules.parse(rules),
});

const row = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  attributes: { type: 'Opportunity' },
  Id: '006000000000001AAA',
  Referral_Id__c: 'R-1',
  SystemModstamp: '2030-01-01T00:00:00.000+0000',
  StageName: 'Prospecting',
  IsClosed: false,
  IsWon: false,
  Referral_Decision__c: null,
  Referral_Decline_Reason__c: null,
  Name: 'Deal',
  Amount: 1000,
  CloseDate: '2030-02-01',
  Description: null,
  CurrencyIsoCode: 'EUR',
  CampaignId: '701000000000001AAA',
  ...over,
});

const ok = (r: ReturnType<typeof toSnapshot>) => {
  if (!r.ok) throw new Error(r.error);
  return r.snapshot;
};

describe('toSnapshot', () => {
  it.each([
    ['Accept', 'accept'],
    [' accept ', 'accept'],
    ['DECLINE', 'decline'],
    ['Maybe later', null],
    ['', null],
    [null, null],
  ])('decision %j -> %j', (raw, expected) => {
    expect(ok(toSnapshot(row({ Referral_Decision__c: raw }), settings())).decision).toBe(expected);
  });

  it('uses the configured decision values', () => {
    const s = settings({}, { accept: { decisionValues: ['Yes'] }, decline: { decisionValues: ['No'] } });
    expect(ok(toSnapshot(row({ Referral_Decision__c: 'yes' }), s)).decision).toBe('accept');
    expect(ok(toSnapshot(row({ Referral_Decision__c: 'Accept' }), s)).decision).toBe(null);
  });

  it('reads currency and campaign only when their fields are configured', () => {
    const none = ok(toSnapshot(row(), settings()));
    expect([none.currency, none.campaignId]).toEqual([null, null]);
    const both = ok(toSnapshot(row(), settings({ currency: 'CurrencyIsoCode', campaignId: 'CampaignId' })));
    expect([both.currency, both.campaignId]).toEqual(['EUR', '701000000000001AAA']);
  });

  it('maps every value and matches field names case-insensitively', () => {
    const r = row({
      Referral_Id__c: undefined,
      referral_id__c: 'R-9',
      StageName: 'Closed Won',
      IsClosed: true,
      IsWon: true,
      Description: 'n',
    });
    expect(ok(toSnapshot(r, settings({ lostReason: 'Loss_Reason__c' })))).toEqual({
      crmId: '006000000000001AAA',
      referralId: 'R-9',
      modstamp: '2030-01-01T00:00:00.000+0000',
      decision: null,
      declineReason: null,
      lostReason: null,
      stage: 'Closed Won',
      isClosed: true,
      isWon: true,
      name: 'Deal',
      dealValue: 1000,
      currency: null,
      closeDate: '2030-02-01',
      notes: 'n',
      campaignId: null,
      teamContacts: [],
    });
  });

  it.each([
    ['CloseDate', { CloseDate: '01/02/2030 secret' }, 'CloseDate (closeDate)'],
    ['Name', { Name: 42 }, 'Name (name)'],
    ['IsWon without IsClosed', { IsWon: true }, 'IsWon (isWon)'],
    ['no referral id', { Referral_Id__c: null }, 'Referral_Id__c (referralId)'],
    ['non-text decision', { Referral_Decision__c: true }, 'Referral_Decision__c (decision)'],
    ['bad modstamp', { SystemModstamp: 'yesterday secret' }, 'SystemModstamp (modstamp)'],
  ])('%s: invalid, naming the field, not the value', (_label, over, named) => {
    const r = toSnapshot(row(over), settings());
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.crmId).toBe('006000000000001AAA');
    expect(r.error).toContain(named);
    expect(r.error).not.toContain('secret');
  });
});

describe('selectFields and changedSinceSoql', () => {
  it('selects each configured field once', () => {
    expect(selectFields(settings({ notes: 'name', currency: 'CurrencyIsoCode' }))).toEqual([
      'Id',
      'Referral_Id__c',
      'SystemModstamp',
      'StageName',
      'IsClosed',
      'IsWon',
      'Referral_Decision__c',
      'Referral_Decline_Reason__c',
      'Name',
      'Amount',
      'CurrencyIsoCode',
      'CloseDate',
    ]);
  });

  it('filters on the referral id and SystemModstamp (unquoted, whole seconds), ordered by the cursor pair', () => {
    const soql = changedSinceSoql(settings(), new Date('2030-01-01T10:00:05.750Z'));
    expect(soql).toMatch(
      / FROM Opportunity WHERE Referral_Id__c != null AND SystemModstamp >= 2030-01-01T10:00:05Z ORDER BY SystemModstamp, Id$/,
    );
    expect(parseSoql(soql).orderBy.map((o) => o.field)).toEqual(['SystemModstamp', 'Id']);
    expect(changedSinceSoql(settings(), null)).toMatch(/WHERE Referral_Id__c != null ORDER BY/);
  });
});

describe('latestById', () => {
  it('keeps the latest version of each Id, ordered by (SystemModstamp, Id)', () => {
    const r = (id: string, stamp: string, name: string) => ({ Id: id, SystemModstamp: stamp, Name: name });
    const out = latestById([
      r('B', '2030-01-01T00:00:01.000+0000', 'b1'),
      r('A', '2030-01-01T00:00:01.000+0000', 'a1'),
      r('C', '2030-01-01T00:00:00.000+0000', 'c1'),
      r('B', '2030-01-01T00:00:03.000+0000', 'b2'),
      r('A', '2030-01-01T00:00:00.000+0000', 'a0'),
    ]);
    expect(out.map((k) => k.row.Name)).toEqual(['c1', 'a1', 'b2']);
  });
});
