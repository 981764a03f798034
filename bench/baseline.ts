import type { Referral } from '../src/domain/referral.ts';
import { loadMappingFile } from '../jobs/mapping-file.ts';
import { createAppTokenProvider } from '../connectors/partner-center/app-auth.ts';
import { createPartnerCenterClient } from '../connectors/partner-center/partner-center.client.ts';
import { PC_CLIENT } from '../test/integration/harness.ts';
import { startFakePartnerCenter } from '../test/fakes/partner-center/server.ts';
import { buildConnector } from './crm-connector.ts';
import { startFakeCrm, type BaselineCalls } from './fake-crm.ts';
import type { BenchCrm } from './options.ts';

export interface BaselineFigures {
  n: number;
  /** Flows running at once. */
  concurrency: number;
  wallMs: number;
  perSecond: number;
  failed: number;
  /**
   * CRM calls after sign-in: account look-ups, account creations, single upserts (Dataverse:
   * `query` also counts the connector's closed-opportunity checks and its currency look-up).
   */
  calls: BaselineCalls;
  /** Partner Center write-back PATCHes (one per open referral, as the worker makes). */
  patches: number;
}

/**
 * What a user would otherwise run: a Power Automate / Logic Apps flow per referral event, many at
 * once (`concurrency`, flows' default degree of parallelism is 25–50). Each flow maps its
 * referral, upserts the opportunity with a single-record call through the real connector (which
 * finds or creates the account first), then writes the opportunity id back to Partner Center,
 * as the worker does. Its own fakes with the same latency, so every upsert creates a record, as
 * in the worker's run. Sign-ins happen before the clock starts.
 */
export async function runBaseline(
  referrals: Referral[],
  latencyMs: number,
  kind: BenchCrm = 'salesforce',
  concurrency = 25,
): Promise<BaselineFigures> {
  const fake = await startFakeCrm(kind, latencyMs);
  const pc = await startFakePartnerCenter({ ...PC_CLIENT, latencyMs });
  try {
    pc.seed(referrals);
    const mapping = await loadMappingFile('config/mapping.default.yaml');
    const { crm, toDraft, signIn } = buildConnector(fake.config, mapping);
    const tokens = createAppTokenProvider({
      ...pc.msalMetadata(pc.tenantId),
      ...PC_CLIENT,
      scope: 'https://api.partner.microsoft.com/.default',
    });
    const partnerCenter = createPartnerCenterClient({ tokens, baseUrl: pc.url });
    await signIn();
    await tokens.getAccessToken();
    fake.resetCounters();
    let failed = 0;
    const flow = async (referral: Referral): Promise<void> => {
      const draft = toDraft(referral, new Date());
      const [result] = await crm.upsertOpportunities([draft]);
      if (!result?.ok) {
        failed += 1;
        return;
      }
      if (referral.status === 'Closed') return;
      const op = { op: 'add', path: '/externalReferenceId', value: result.crmId } as const;
      await partnerCenter.patchReferral(referral.id, [op], referral.eTag).catch(() => {
        failed += 1;
      });
    };
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: Math.min(concurrency, referrals.length) }, async () => {
        while (next < referrals.length) {
          const referral = referrals[next++] as Referral;
          await flow(referral);
        }
      }),
    );
    const wallMs = performance.now() - t0;
    return {
      n: referrals.length,
      concurrency,
      wallMs,
      perSecond: referrals.length / (wallMs / 1000),
      failed,
      calls: fake.baselineCalls(),
      patches: pc.patches.filter((p) => p.outcome === 'applied').length,
    };
  } finally {
    await fake.close();
    await pc.close();
  }
}
