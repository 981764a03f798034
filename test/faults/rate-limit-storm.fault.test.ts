import { afterEach, describe, expect, it } from 'vitest';
import type { Referral } from '../../src/domain/referral.ts';
import { toOpportunityDraft } from '../../src/mapping/apply.ts';
import { routeReferral } from '../../src/mapping/routing.ts';
import type { Mapping } from '../../src/mapping/schema.ts';
import type { PartnerCenterClient } from '../../src/ports/partner-center.ts';
import { createAppTokenProvider } from '../../connectors/partner-center/app-auth.ts';
import { createPartnerCenterClient } from '../../connectors/partner-center/partner-center.client.ts';
import { syncOnce } from '../../jobs/sync-once.ts';
import { startDataverseHarness, type DataverseHarness } from '../fakes/dataverse/dataverse-harness.ts';
import { makeReferrals } from '../fakes/partner-center/fixtures.ts';
import { PC_CLIENT, REDIS_URL, startStack, type Stack } from '../integration/harness.ts';
import { expectNoSecrets, expectOneRecordEach, expectWrittenBackOnce, parkedOf } from './fault-kit.ts';

/*
 * A 429 storm on every remote at once (CRM=both): Partner Center throttles the list and then
 * the write-back PATCHes, Salesforce throttles whole calls, Dataverse throttles its $batch, all
 * with Retry-After. A 429 costs no job attempt (jobs/bullmq-errors.ts), so nothing is parked and
 * everything lands once.
 */
let stack: Stack | undefined;
let dv: DataverseHarness | undefined;
afterEach(async () => {
  await stack?.close();
  await dv?.close();
  stack = undefined;
  dv = undefined;
});

const routed = (m: Mapping): Mapping => ({
  ...m,
  routing: { default: 'salesforce', rules: [{ crm: 'dynamics', match: 'all', when: [{ path: 'customerProfile.address.country', in: ['DE', 'AT', 'CH'] }] }] },
});
const german = (r: Referral): Referral => ({ ...r, customerProfile: { ...r.customerProfile, address: { ...r.customerProfile?.address, country: 'DE' } } });

describe('fault: 429 storms with Retry-After on every remote', () => {
  it('Partner Center list and PATCH, Salesforce and Dataverse all throttled: nothing parked, all done once', async () => {
    const d = await startDataverseHarness();
    dv = d;
    let mappingRef: Mapping | undefined;
    stack = await startStack({ mapping: (m) => (mappingRef = routed(m)) });
    const s = stack;
    const mapping = mappingRef as Mapping;

    // Partner Center: the first PATCH arms a burst of 429s for the calls right after it.
    const tokens = createAppTokenProvider({ ...s.pc.msalMetadata(s.pc.tenantId), ...PC_CLIENT, scope: 'https://api.partner.microsoft.com/.default' });
    const inner = createPartnerCenterClient({ tokens, baseUrl: s.pc.url, pageSize: 100 });
    let armed = false;
    const partnerCenter: PartnerCenterClient = {
      listReferrals: (q) => inner.listReferrals(q),
      getReferral: (id) => inner.getReferral(id),
      patchReferral: (id, ops, eTag) => {
        if (!armed) {
          armed = true;
          s.pc.failNext(8, { status: 429, retryAfter: '1' });
        }
        return inner.patchReferral(id, ops, eTag);
      },
    };
    const connector = d.another();
    await s.rt.close(1000);
    s.rt = await s.restart({
      partnerCenter,
      additionalCrms: [{ crm: connector, toDraft: (r: Referral, now: Date) => toOpportunityDraft('dynamics', r, now, mapping) }],
      route: (r: Referral) => routeReferral(mapping.routing ?? { default: 'salesforce', rules: [] }, r, mapping.referralLink),
    });

    const de = makeReferrals(150).map(german);
    const us = makeReferrals(150, Date.parse('2025-02-01T00:00:00Z'));
    const referrals = [...de, ...us];
    s.pc.seed(referrals);
    s.pc.failNext(2, { status: 429, retryAfter: '1' }); // the first list pages
    s.sf.fake.failNext(3, 429, '1');
    d.fake.failNext(3, { status: 429, retryAfter: '1' });

    const summary = await syncOnce(s.rt, { maxWaitMs: 50_000 });
    expect(summary).toMatchObject({ fetched: 300, parked: 0, pending: 0 });
    // A job whose write-back PATCH was throttled ran again after its CRM write: its final
    // run only wrote the id back, so sync-once counts it as unchanged, not created.
    expect(summary.created + summary.unchanged).toBe(300);
    expect(summary.created).toBeGreaterThanOrEqual(300 - 8);
    expect(await s.rt.syncQueue.getFailedCount()).toBe(0);
    expect(await parkedOf(REDIS_URL, s.prefix)).toEqual([]);

    // Every remote was throttled.
    expect(armed).toBe(true);
    expect(s.sf.fake.requests().filter((r) => r.status === 429)).toHaveLength(3);
    const patchCalls = s.pc.counters.patch;
    expect(patchCalls - s.pc.patches.length).toBeGreaterThan(0); // PATCHes answered 429 (not recorded as patches)
    const { token: _token, unauthorized: _unauthorized, ...dvCalls } = d.fake.counters;
    expect(Object.values(dvCalls).reduce((a, b) => a + b, 0)).toBeGreaterThan(3); // 3 answered 429, then success
    expect(s.logs.lines.filter((l) => l.includes('rate limited; waiting without spending an attempt')).length).toBeGreaterThan(0);

    // End state: one opportunity per referral in the CRM it is routed to, ids written back once.
    const sfOpps = s.sf.fake.records('Opportunity');
    const dvOpps = d.fake.records('opportunities');
    expectOneRecordEach(sfOpps, 'Referral_Id__c', us.map((r) => r.id));
    expectOneRecordEach(dvOpps, 'new_referralid', de.map((r) => r.id));
    const crmIdOf = new Map<string, string>([
      ...sfOpps.map((o): [string, string] => [String(o.Referral_Id__c), String(o.Id)]),
      ...dvOpps.map((o): [string, string] => [String(o.new_referralid), String(o.opportunityid)]),
    ]);
    expectWrittenBackOnce(s.pc, referrals, (id) => crmIdOf.get(id));
    expectNoSecrets(s.logs.text(), { pc: s.pc, extra: [...s.sf.fake.issuedAccessTokens(), ...d.fake.issuedAccessTokens(), 'dv-secret'] });
  });
});
