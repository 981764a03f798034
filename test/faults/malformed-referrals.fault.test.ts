import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Referral } from '../../src/domain/referral.ts';
import { syncOnce, type SyncOnceSummary } from '../../jobs/sync-once.ts';
import type { FakeReferral } from '../fakes/partner-center/server.ts';
import { makeReferral, makeReferrals } from '../fakes/partner-center/fixtures.ts';
import { REDIS_URL, startStack, type Stack } from '../integration/harness.ts';
import { expectNoSecrets, expectOneRecordEach, expectWrittenBackOnce, parkedOf } from './fault-kit.ts';

/*
 * One pull returns well-formed referrals mixed with malformed ones. Items that break the
 * referral's shape are parked (stage validate) with a reason naming the field; values that are
 * only unexpected (unknown enumerations, 1 MB of notes) sync, the notes cut to the mapping's
 * maxLength. The rest sync as usual.
 */
const at = (s: string) => ({ createdDateTime: s, updatedDateTime: s });
const MB = 1024 * 1024;

const good = makeReferrals(50);
const base = (t: string) => makeReferral(at(t), 'co-sell');
const withoutId: FakeReferral = { ...base('2025-06-01T00:00:01Z') };
delete withoutId.id;
const noETag = { ...base('2025-06-01T00:00:02Z'), eTag: null };
const b3 = base('2025-06-01T00:00:03Z');
const dealValueText = { ...b3, details: { ...b3.details, dealValue: '250000' } };
const createdAsNumber = { ...base('2025-06-01T00:00:04Z'), createdDateTime: 1_717_200_000 };
const profileAsText = { ...base('2025-06-01T00:00:05Z'), customerProfile: 'Contoso Ltd' };
const unknownEnums: Referral = {
  ...base('2025-06-01T00:00:06Z'),
  status: 'Reopened',
  substatus: 'Error',
  qualification: 'Whatever',
};
const b7 = base('2025-06-01T00:00:07Z');
const hugeNotes: Referral = {
  ...b7,
  details: { ...b7.details, notes: `${'Customer requirements. '.repeat(MB / 23)}END` },
};
/** Every well-formed referral plus the two odd ones. */
const synced = [...good, unknownEnums, hugeNotes];

describe('fault: malformed referrals in one pull', () => {
  let s: Stack;
  let summary: SyncOnceSummary;
  let parked: Awaited<ReturnType<typeof parkedOf>>;
  let settled: { again: SyncOnceSummary; patchesBefore: number; parkedAfter: number };
  const opportunityOf = (id: string) => s.sf.fake.records('Opportunity').find((o) => o.Referral_Id__c === id);

  // One scenario, run once; each `it` below checks one outcome of it.
  beforeAll(async () => {
    s = await startStack();
    s.pc.seed([...good, withoutId, noETag, dealValueText, createdAsNumber, profileAsText, unknownEnums, hugeNotes]);
    summary = await syncOnce(s.rt, { maxWaitMs: 30_000 });
    parked = await parkedOf(REDIS_URL, s.prefix);
    // A second pull over the same window.
    const patchesBefore = s.pc.patches.length;
    const again = await syncOnce(s.rt, { maxWaitMs: 30_000 });
    settled = { again, patchesBefore, parkedAfter: (await parkedOf(REDIS_URL, s.prefix)).length };
  }, 90_000);
  afterAll(async () => {
    await s?.close();
  });

  it('seeds notes of about 1 MB', () => {
    expect(hugeNotes.details?.notes?.length).toBeGreaterThan(MB - 100);
  });

  it('counts 57 fetched, 52 created and 5 invalid and parked', () => {
    expect(summary).toMatchObject({ fetched: 57, created: 52, invalid: 5, parked: 5, pending: 0 });
  });

  it('parks the five broken ones at the validate stage', () => {
    expect(parked).toHaveLength(5);
    expect(parked.every((p) => p.stage === 'validate')).toBe(true);
  });

  it('names the referral and the broken field in each reason', () => {
    const reasonOf = (id: string) => parked.find((p) => p.referralId === id)?.reason;
    expect(reasonOf(noETag.id)).toMatch(new RegExp(`referral ${noETag.id}: .*eTag`));
    expect(reasonOf(dealValueText.id)).toMatch(/details\.dealValue/);
    expect(reasonOf(createdAsNumber.id)).toMatch(/createdDateTime/);
    expect(reasonOf(profileAsText.id)).toMatch(/customerProfile/);
  });

  it('parks a referral without an id once, under an unidentified key, naming the id field', () => {
    const anonymous = parked.filter((p) => p.referralId.startsWith('unidentified-'));
    expect(anonymous).toHaveLength(1);
    expect(anonymous[0]?.reason).toMatch(/referral \(no id\): id: /);
  });

  it('syncs every well-formed referral and the two odd ones, once each', () => {
    expectOneRecordEach(
      s.sf.fake.records('Opportunity'),
      'Referral_Id__c',
      synced.map((r) => r.id),
    );
  });

  it('syncs unknown enumeration values as they are, in the default stage and category', () => {
    expect(opportunityOf(unknownEnums.id)).toMatchObject({
      Referral_Status__c: 'Reopened',
      Referral_Substatus__c: 'Error',
      StageName: 'Prospecting',
      Referral_Category__c: 'unknown',
    });
  });

  it("cuts 1 MB of notes to the mapping's maxLength", () => {
    const big = opportunityOf(hugeNotes.id);
    expect(s.mapping.salesforce?.fields.Description?.maxLength).toBe(32_000);
    expect(String(big?.Description)).toHaveLength(32_000);
    expect(hugeNotes.details?.notes?.startsWith(String(big?.Description))).toBe(true);
  });

  it('writes the opportunity id of each synced referral back once', () => {
    const oppOf = new Map(s.sf.fake.records('Opportunity').map((o) => [String(o.Referral_Id__c), String(o.Id)]));
    expectWrittenBackOnce(s.pc, synced, (id) => oppOf.get(id));
  });

  it('writes nothing and parks nothing twice on a second pull over the same window', () => {
    expect(settled.again.created + settled.again.updated).toBe(0);
    expect(s.pc.patches.length).toBe(settled.patchesBefore);
    expect(settled.parkedAfter).toBe(5);
  });

  it('logs fields and ids, never the 1 MB body', () => {
    expect(s.logs.text()).not.toContain('Customer requirements. Customer requirements.');
    expect(Math.max(...s.logs.lines.map((l) => l.length))).toBeLessThan(20_000);
  });

  it('logs no secret', () => {
    expectNoSecrets(s.logs.text(), { pc: s.pc, extra: s.sf.fake.issuedAccessTokens() });
  });
});
