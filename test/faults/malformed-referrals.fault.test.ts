import { afterEach, describe, expect, it } from 'vitest';
import type { Referral } from '../../src/domain/referral.ts';
import { syncOnce } from '../../jobs/sync-once.ts';
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
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const at = (s: string) => ({ createdDateTime: s, updatedDateTime: s });
const MB = 1024 * 1024;

describe('fault: malformed referrals in one pull', () => {
  it('parks the broken ones naming the field, syncs odd-but-valid ones, and the rest', async () => {
    stack = await startStack();
    const s = stack;
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
    expect(hugeNotes.details?.notes?.length).toBeGreaterThan(MB - 100);
    s.pc.seed([...good, withoutId, noETag, dealValueText, createdAsNumber, profileAsText, unknownEnums, hugeNotes]);

    const summary = await syncOnce(s.rt, { maxWaitMs: 30_000 });
    expect(summary).toMatchObject({ fetched: 57, created: 52, invalid: 5, parked: 5, pending: 0 });

    // Parked: visible with the stage and a reason naming the field (and the id when there is one).
    const parked = await parkedOf(REDIS_URL, s.prefix);
    expect(parked).toHaveLength(5);
    expect(parked.every((p) => p.stage === 'validate')).toBe(true);
    const reasonOf = (id: string) => parked.find((p) => p.referralId === id)?.reason;
    expect(reasonOf(noETag.id)).toMatch(new RegExp(`referral ${noETag.id}: .*eTag`));
    expect(reasonOf(dealValueText.id)).toMatch(/details\.dealValue/);
    expect(reasonOf(createdAsNumber.id)).toMatch(/createdDateTime/);
    expect(reasonOf(profileAsText.id)).toMatch(/customerProfile/);
    const anonymous = parked.filter((p) => p.referralId.startsWith('unidentified-'));
    expect(anonymous).toHaveLength(1);
    expect(anonymous[0]?.reason).toMatch(/referral \(no id\): id: /);

    // Synced: every well-formed referral plus the two odd ones, once each.
    const synced = [...good, unknownEnums, hugeNotes];
    const opps = s.sf.fake.records('Opportunity');
    expectOneRecordEach(
      opps,
      'Referral_Id__c',
      synced.map((r) => r.id),
    );
    const odd = opps.find((o) => o.Referral_Id__c === unknownEnums.id);
    expect(odd).toMatchObject({
      Referral_Status__c: 'Reopened',
      Referral_Substatus__c: 'Error',
      StageName: 'Prospecting',
      Referral_Category__c: 'unknown',
    });
    const big = opps.find((o) => o.Referral_Id__c === hugeNotes.id);
    const maxLength = s.mapping.salesforce?.fields.Description?.maxLength;
    expect(maxLength).toBe(32_000);
    expect(String(big?.Description)).toHaveLength(32_000);
    expect(hugeNotes.details?.notes?.startsWith(String(big?.Description))).toBe(true);
    const oppOf = new Map(opps.map((o) => [String(o.Referral_Id__c), String(o.Id)]));
    expectWrittenBackOnce(s.pc, synced, (id) => oppOf.get(id));

    // A second pull over the same window parks nothing twice and writes nothing.
    const patches = s.pc.patches.length;
    const again = await syncOnce(s.rt, { maxWaitMs: 30_000 });
    expect(again.created + again.updated).toBe(0);
    expect(s.pc.patches.length).toBe(patches);
    expect(await parkedOf(REDIS_URL, s.prefix)).toHaveLength(5);

    // The log names fields and ids, never the 1 MB body.
    const logged = s.logs.text();
    expect(logged).not.toContain('Customer requirements. Customer requirements.');
    expect(Math.max(...s.logs.lines.map((l) => l.length))).toBeLessThan(20_000);
    expectNoSecrets(logged, { pc: s.pc, extra: s.sf.fake.issuedAccessTokens() });
  });
});
