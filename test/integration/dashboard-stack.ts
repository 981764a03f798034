import type { Referral } from '../../src/domain/referral.ts';
import { toLevels } from '../../src/expiry/levels.ts';
import { isContactMeRequest } from '../../src/mapping/contact-me.ts';
import type { Mapping } from '../../src/mapping/schema.ts';
import { createMetrics, type Metrics } from '../../jobs/http/metrics.ts';
import { startHttpServer, type HttpServer, type HttpServerOptions } from '../../jobs/http/server.ts';
import { sourceFromRuntime, type CredentialHealthProvider, type DashboardSource } from '../../jobs/http/source.ts';
import { syncOnce } from '../../jobs/sync-once.ts';
import { startStack, type Stack } from './harness.ts';
import { readFile } from 'node:fs/promises';
import { createRedisMappingStore } from '../../connectors/redis/mapping-store.ts';
import { createLiveMapping } from '../../jobs/live-mapping.ts';
import { saveMappingVersion, type Deployment } from '../../jobs/mapping-versions.ts';
import type { JobMapping } from '../../jobs/sync-queues.ts';
import type { StudioSettings } from '../../jobs/http/server.ts';
import { createCrmChecks } from '../../jobs/http/studio/crm-checks.ts';
import { opportunityReader } from '../../jobs/http/studio/crm-read.ts';

/** The studio's stack: Salesforce only, the shipped mapping saved as version 1. */
export const STUDIO_FILE = 'config/mapping.default.yaml';
export const SF_ONLY: Deployment = { kinds: ['salesforce'], both: false };

/** Made at test time; never used outside these tests. */
export const TOKENS = {
  operator: 'op-7f1c2e9a4b6d8f0e1a3c5b7d9e2f4a6c',
  viewer: 'vw-2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e0b',
} as const;
export const AUTH = {
  bearerTokens: [
    { token: TOKENS.operator, role: 'operator' as const, name: 'ops-test' },
    { token: TOKENS.viewer, role: 'viewer' as const, name: 'viewer-test' },
  ],
};
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export const atRiskFor = (mapping: Mapping) => ({
  levels: toLevels(mapping.expiry?.levelsHours),
  timeZone: 'UTC',
  isContactMe: (r: Referral) => isContactMeRequest(mapping, r),
});

export interface DashboardStack {
  stack: Stack;
  source: DashboardSource;
  server: HttpServer;
  metrics: Metrics;
  /** Seeds the fake Partner Center and runs one pull-and-sync cycle. */
  seed(referrals: Record<string, unknown>[]): Promise<void>;
  close(): Promise<void>;
}

/** The harness stack (real Redis, fakes, real runtime with outbound and expiry) plus the HTTP server. */
export async function startDashboardStack(
  o: {
    server?: HttpServerOptions;
    credentials?: CredentialHealthProvider;
    /** The mapping studio on the server, and the runtime hot-reloading its versions (issue 17). */
    studio?: Partial<Pick<StudioSettings, 'crmChecks' | 'readOpportunity'>>;
    /** The studio's live CRM checks and preview reads against the fake Salesforce. */
    studioCrm?: boolean;
  } = {},
): Promise<DashboardStack> {
  // The live mapping needs the stack's Redis prefix, known once the runtime runs: it asks lazily.
  const live: { next?: () => Promise<JobMapping> } = {};
  const stack = await startStack({
    outbound: true,
    runtime: {
      ...(o.studio ? { mapping: () => (live.next as () => Promise<JobMapping>)() } : {}),
      expiry: {
        levels: toLevels([72, 24, 4]),
        timeZone: 'UTC',
        linkTemplate: null,
        isContactMe: () => false,
        scanIntervalMs: 60_000,
        schedule: false,
      },
    },
  });
  const store = createRedisMappingStore(stack.redis, stack.prefix);
  if (o.studio) {
    const text = await readFile(STUDIO_FILE, 'utf8');
    const first = await saveMappingVersion(store, SF_ONLY, {
      text,
      author: 'MAPPING_FILE',
      comment: 'first start: MAPPING_FILE imported',
      basedOn: null,
      now: new Date(),
    });
    if (!first.ok) throw new Error('the default mapping did not save as version 1');
    live.next = createLiveMapping({
      store,
      start: { mapping: stack.mapping, version: first.version },
      deployment: SF_ONLY,
      log: stack.logs.log,
    });
  }
  const metrics = createMetrics();
  const source = sourceFromRuntime(stack.rt, stack.prefix, {
    atRisk: atRiskFor(stack.mapping),
    attempts: 3,
    credentials: o.credentials,
  });
  const crmChecks = o.studioCrm
    ? {
        crmChecks: createCrmChecks({ salesforce: stack.sf.connector }),
        readOpportunity: opportunityReader(stack.sf.connector),
      }
    : {};
  const studio = o.studio ? { store, deployment: SF_ONLY, file: STUDIO_FILE, ...crmChecks, ...o.studio } : undefined;
  const server = await startHttpServer(
    { source, log: stack.logs.log, metrics, studio },
    { port: 0, ...o.server },
  ).catch(async (err: unknown) => {
    await stack.close();
    throw err;
  });
  return {
    stack,
    source,
    server,
    metrics,
    async seed(referrals) {
      stack.pc.seed(referrals);
      await syncOnce(stack.rt, { maxWaitMs: 20_000 });
    },
    async close() {
      await server.close();
      await stack.close();
    },
  };
}
