import type { Referral } from '../src/domain/referral.ts';
import { loadMappingFile } from '../jobs/mapping-file.ts';
import { buildConnector } from './crm-connector.ts';
import { startFakeCrm, type BaselineCalls } from './fake-crm.ts';
import type { BenchCrm } from './options.ts';

export interface BaselineFigures {
  n: number;
  wallMs: number;
  perSecond: number;
  failed: number;
  /**
   * CRM calls after sign-in: account look-ups, account creations, single upserts (Dataverse:
   * `query` also counts the connector's closed-opportunity checks and its currency look-up).
   */
  calls: BaselineCalls;
}

/**
 * What a Power Automate flow per event does: for each referral, on its own and one after
 * another, map it and upsert its opportunity (a single-record call), waiting for the answer
 * before the next. Real mapping and the real connector (which finds or creates the account,
 * then upserts); no batching, no write-back. Its own fake CRM with the same latency, so every
 * upsert creates a record, as in the worker's run. The sign-in is made before the clock starts.
 */
export async function runBaseline(
  referrals: Referral[],
  latencyMs: number,
  kind: BenchCrm = 'salesforce',
): Promise<BaselineFigures> {
  const fake = await startFakeCrm(kind, latencyMs);
  try {
    const mapping = await loadMappingFile('config/mapping.default.yaml');
    const { crm, toDraft, signIn } = buildConnector(fake.config, mapping);
    await signIn();
    fake.resetCounters();
    let failed = 0;
    const t0 = performance.now();
    for (const referral of referrals) {
      const draft = toDraft(referral, new Date());
      const [result] = await crm.upsertOpportunities([draft]);
      if (!result?.ok) failed += 1;
    }
    const wallMs = performance.now() - t0;
    const calls = fake.baselineCalls();
    return { n: referrals.length, wallMs, perSecond: referrals.length / (wallMs / 1000), failed, calls };
  } finally {
    await fake.close();
  }
}
