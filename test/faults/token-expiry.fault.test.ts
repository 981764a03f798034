import { afterEach, describe, expect, it } from 'vitest';
import type { OpportunityDraft } from '../../src/ports/crm.ts';
import type { PartnerCenterClient } from '../../src/ports/partner-center.ts';
import { createAppTokenProvider } from '../../connectors/partner-center/app-auth.ts';
import { createPartnerCenterClient } from '../../connectors/partner-center/partner-center.client.ts';
import { syncOnce } from '../../jobs/sync-once.ts';
import { makeReferrals } from '../fakes/partner-center/fixtures.ts';
import { PC_CLIENT, REDIS_URL, startStack, type Stack } from '../integration/harness.ts';
import { expectNoSecrets, expectOneRecordEach, expectWrittenBackOnce, parkedOf, syncUntilQuiet } from './fault-kit.ts';

/*
 * Access tokens stop working in the middle of a run: Partner Center revokes every issued token
 * (our cache still thinks they are good for an hour) and Salesforce invalidates its sessions,
 * between two CRM batches. Both are renewed silently; nothing is parked, nothing written twice.
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('fault: access tokens expiring mid-run', () => {
  it('Partner Center and Salesforce tokens revoked between batches are renewed silently', async () => {
    stack = await startStack({ runtime: { batchWindowMs: 20 } });
    const s = stack;
    const referrals = makeReferrals(400);
    s.pc.seed(referrals);

    // Our own Partner Center client (a fresh token cache) and a CRM that, right before its
    // second write call, has both remotes drop every token issued so far.
    const tokens = createAppTokenProvider({
      ...s.pc.msalMetadata(s.pc.tenantId),
      ...PC_CLIENT,
      scope: 'https://api.partner.microsoft.com/.default',
    });
    const partnerCenter: PartnerCenterClient = createPartnerCenterClient({ tokens, baseUrl: s.pc.url, pageSize: 100 });
    let writeCalls = 0;
    const crm = s.sf.connector;
    const expiring = Object.assign(Object.create(crm) as typeof crm, {
      upsertOpportunities(drafts: OpportunityDraft[]) {
        writeCalls += 1;
        if (writeCalls === 2) {
          s.pc.revokeAccessTokens();
          s.sf.fake.expireTokens();
        }
        return crm.upsertOpportunities(drafts);
      },
    });
    await s.rt.close(1000);
    s.rt = await s.restart({ partnerCenter, crms: s.crms.map((b) => ({ ...b, connector: expiring })) });

    const first = await syncOnce(s.rt, { maxWaitMs: 45_000 });
    expect(writeCalls).toBeGreaterThanOrEqual(2);
    expect(first).toMatchObject({ fetched: 400, created: 400, parked: 0, pending: 0 });
    const pcTokens = s.pc.issuedAccessTokens().length;
    expect(pcTokens).toBeGreaterThanOrEqual(2); // signed in again after the revocation
    expect(s.pc.counters.unauthorized).toBeGreaterThan(0); // the revocation was felt
    expect(s.sf.fake.issuedAccessTokens().length).toBeGreaterThanOrEqual(2);

    // Then short-lived Partner Center tokens (1 s) and another revocation: still nothing parked.
    s.pc.setAccessTokenLifetime(1);
    s.pc.revokeAccessTokens();
    s.sf.fake.expireTokens();
    const changed = referrals.filter((r) => r.status !== 'Closed').slice(0, 30);
    for (const r of changed) {
      const current = s.pc.get(r.id);
      s.pc.upsert({ ...current, details: { ...(current?.details as object), notes: `after expiry ${r.id}` } });
    }
    const second = await syncUntilQuiet(s.rt);
    expect(second).toMatchObject({ updated: changed.length, parked: 0, pending: 0 });

    const opps = s.sf.fake.records('Opportunity');
    expectOneRecordEach(
      opps,
      'Referral_Id__c',
      referrals.map((r) => r.id),
    );
    for (const r of changed)
      expect(opps.find((o) => o.Referral_Id__c === r.id)?.Description).toBe(`after expiry ${r.id}`);
    const oppOf = new Map(opps.map((o) => [String(o.Referral_Id__c), String(o.Id)]));
    expectWrittenBackOnce(s.pc, referrals, (id) => oppOf.get(id));
    expect(await parkedOf(REDIS_URL, s.prefix)).toEqual([]);
    expect(await s.rt.syncQueue.getFailedCount()).toBe(0);
    expectNoSecrets(s.logs.text(), { pc: s.pc, extra: s.sf.fake.issuedAccessTokens() });
  });
});
