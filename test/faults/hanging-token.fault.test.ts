import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import type { OpportunityDraft } from '../../src/ports/crm.ts';
import { RetryableError } from '../../src/errors.ts';
import { createAppTokenProvider } from '../../connectors/partner-center/app-auth.ts';
import { createPartnerCenterClient } from '../../connectors/partner-center/partner-center.client.ts';
import { syncOnce } from '../../jobs/sync-once.ts';
import { makeReferrals } from '../fakes/partner-center/fixtures.ts';
import { msalMetadataFor } from '../fakes/partner-center/msal-metadata.ts';
import { forwardTo, startStallServer, type StallServer } from '../fakes/shared/stall-server.ts';
import { PC_CLIENT, REDIS_URL, startStack, type Stack } from '../integration/harness.ts';
import {
  expectNoSecrets,
  expectOneRecordEach,
  expectWrittenBackOnce,
  parkedOf,
  syncUntilQuiet,
  waitFor,
} from './fault-kit.ts';

/*
 * Issue 12: the Entra token endpoint accepts connections and never answers. Every Partner Center
 * call waits on the one shared renewal, so without a timeout one hung request froze pulls and
 * write-backs for ~300 s. With TOKEN_TIMEOUT_MS the renewal ends as retryable, BullMQ retries
 * with backoff, and once the endpoint answers again the run ends exactly as a healthy one.
 */
const TOKEN_TIMEOUT_MS = 1_000;
/** Generous: the machine is a loaded 2-core one. It only has to be far below Node's ~300 s. */
const WITHIN_MS = 60_000;

let stack: Stack | undefined;
let relay: StallServer | undefined;
afterEach(async () => {
  await stack?.close();
  await relay?.close();
  stack = undefined;
  relay = undefined;
});

const timedOut = (job: Job) => /did not finish within \d+ ms \(timeout\)|timed out/.test(job.failedReason ?? '');

describe('fault: a hung token endpoint', () => {
  it('pull and write-backs fail within the token timeout, then recover with the exact end state', async () => {
    stack = await startStack({ runtime: { batchWindowMs: 20 } });
    const s = stack;
    const r = await startStallServer(forwardTo(s.pc.url));
    relay = r;
    const referrals = makeReferrals(60);
    s.pc.seed(referrals);

    // A Partner Center client whose token requests go through the relay (real msal-node).
    const metadata = msalMetadataFor(r.url, `https://${new URL(r.url).host}`, s.pc.tenantId);
    const tokens = createAppTokenProvider({
      ...metadata,
      ...PC_CLIENT,
      scope: 'https://api.partner.microsoft.com/.default',
      tokenTimeoutMs: TOKEN_TIMEOUT_MS,
    });
    const partnerCenter = createPartnerCenterClient({ tokens, baseUrl: s.pc.url, pageSize: 100 });
    // Right before the first CRM write, Partner Center drops its tokens and Entra hangs: every
    // write-back then needs a renewal that never answers.
    let writeCalls = 0;
    const crm = s.sf.connector;
    const hanging = Object.assign(Object.create(crm) as typeof crm, {
      upsertOpportunities(drafts: OpportunityDraft[]) {
        writeCalls += 1;
        if (writeCalls === 1) {
          r.stall(true);
          s.pc.revokeAccessTokens();
        }
        return crm.upsertOpportunities(drafts);
      },
    });
    await s.rt.close(1000);
    // More attempts than the harness's 5: the hang lasts as long as this test takes to notice it.
    s.rt = await s.restart({ partnerCenter, crms: s.crms.map((b) => ({ ...b, connector: hanging })), attempts: 12 });

    // 1. The pull, with no token yet, fails as retryable instead of waiting on the socket.
    r.stall(true);
    const started = Date.now();
    const pullError = await s.rt.runPull().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(pullError).toBeInstanceOf(RetryableError);
    expect(String(pullError)).toMatch(/timeout|timed out/);
    expect(Date.now() - started).toBeLessThan(WITHIN_MS);
    expect(r.stalled).toBeGreaterThanOrEqual(1);

    // 2. The endpoint answers; the pull runs, then hangs again at the first CRM write.
    r.stall(false);
    const run = syncOnce(s.rt, { maxWaitMs: 120_000 });
    await waitFor(
      'a write-back to fail on the token timeout',
      async () => (await s.rt.syncQueue.getJobs(['delayed', 'waiting'])).some(timedOut),
      WITHIN_MS,
    );
    r.stall(false);
    const first = await run;
    expect(first).toMatchObject({ fetched: 60, parked: 0, pending: 0 });

    // 3. Nothing left over, nothing written twice.
    await syncUntilQuiet(s.rt);
    const opps = s.sf.fake.records('Opportunity');
    expectOneRecordEach(
      opps,
      'Referral_Id__c',
      referrals.map((x) => x.id),
    );
    const oppOf = new Map(opps.map((o) => [String(o.Referral_Id__c), String(o.Id)]));
    expectWrittenBackOnce(s.pc, referrals, (id) => oppOf.get(id));
    expect(await parkedOf(REDIS_URL, s.prefix)).toEqual([]);
    expect(await s.rt.syncQueue.getFailedCount()).toBe(0);
    expectNoSecrets(s.logs.text(), { pc: s.pc, extra: s.sf.fake.issuedAccessTokens() });
  });
});
