import type { Referral } from '../src/domain/referral.ts';
import { toOpportunityDraft } from '../src/mapping/apply.ts';
import { createSalesforceConnector } from '../connectors/salesforce/index.ts';
import { loadMappingFile } from '../jobs/mapping-file.ts';
import { startFakeSalesforce } from '../test/fakes/salesforce/fake-salesforce.ts';
import { testKeys, TEST_CLIENT_ID, TEST_USERNAME } from '../test/fakes/salesforce/salesforce-harness.ts';

export interface BaselineFigures {
  n: number;
  wallMs: number;
  perSecond: number;
  failed: number;
  /** Salesforce calls after sign-in: account look-ups, account creations, single upserts. */
  calls: { query: number; accountWrites: number; oppSingles: number; oppCollections: number; total: number };
}

/**
 * What a Power Automate flow per event does: for each referral, on its own and one after
 * another, map it and upsert its opportunity (a single-record call), waiting for the answer
 * before the next. Real mapping and the real connector (which finds or creates the account,
 * then upserts); no batching, no write-back. Its own fake org with the same latency, so every
 * upsert creates a record, as in the worker's run. The sign-in is made before the clock starts.
 */
export async function runBaseline(referrals: Referral[], latencyMs: number): Promise<BaselineFigures> {
  const keys = testKeys();
  const sf = await startFakeSalesforce({ jwt: { clientId: TEST_CLIENT_ID, username: TEST_USERNAME, publicKey: keys.publicKey }, latencyMs });
  try {
    const mapping = await loadMappingFile('config/mapping.default.yaml');
    const crm = createSalesforceConnector({
      loginUrl: sf.url,
      auth: { kind: 'jwt', clientId: TEST_CLIENT_ID, username: TEST_USERNAME, privateKey: keys.privateKey },
    });
    await crm.signIn();
    sf.resetCounters();
    let failed = 0;
    const t0 = performance.now();
    for (const referral of referrals) {
      const draft = toOpportunityDraft('salesforce', referral, new Date(), mapping);
      const [result] = await crm.upsertOpportunities([draft]);
      if (!result?.ok) failed += 1;
    }
    const wallMs = performance.now() - t0;
    const writes = sf.requests().filter((r) => r.method !== 'GET' && r.route !== 'token');
    const on = (object: string) => (r: { path: string }) => r.path.split('/').includes(object);
    const c = sf.counters();
    return {
      n: referrals.length,
      wallMs,
      perSecond: referrals.length / (wallMs / 1000),
      failed,
      calls: {
        query: c.query + c.queryMore,
        accountWrites: writes.filter(on('Account')).length,
        oppSingles: writes.filter((r) => on('Opportunity')(r) && r.route === 'upsertSingle').length,
        oppCollections: writes.filter((r) => on('Opportunity')(r) && r.route === 'upsertCollection').length,
        total: c.total,
      },
    };
  } finally {
    await sf.close();
  }
}
