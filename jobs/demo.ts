import { connectRedis, deletePrefix } from '../connectors/redis/connection.ts';
import { Env } from '../src/config/env.ts';
import { FatalError } from '../src/errors.ts';
import { toLevels } from '../src/expiry/levels.ts';
import { toOpportunityDraft } from '../src/mapping/apply.ts';
import { isContactMeRequest } from '../src/mapping/contact-me.ts';
import { createAppTokenProvider } from '../connectors/partner-center/app-auth.ts';
import { createPartnerCenterClient } from '../connectors/partner-center/partner-center.client.ts';
import { startFakePartnerCenter } from '../test/fakes/partner-center/server.ts';
import { startSalesforceHarness } from '../test/fakes/salesforce/salesforce-harness.ts';
import { demoRoutes, DEMO_NAV } from './demo/demo-pages.ts';
import { demoReferrals, trickleReferral } from './demo/seed.ts';
import { leadBindingFor, salesforceLeadOptions } from './lead-compose.ts';
import { seedSellerDeals } from './demo/share-demo.ts';
import { referralLinkOf } from './compose.ts';
import { createCredentialTracker, instrumentPort } from './http/instrument.ts';
import { createMetrics } from './http/metrics.ts';
import { startHttpServer } from './http/server.ts';
import { sourceFromRuntime } from './http/source.ts';
import { createLogger } from './logger.ts';
import { createRedisMappingStore } from '../connectors/redis/mapping-store.ts';
import { createCrmChecks } from './http/studio/crm-checks.ts';
import { opportunityReader } from './http/studio/crm-read.ts';
import { createLiveMapping } from './live-mapping.ts';
import { mappingAtStart, type Deployment } from './mapping-versions.ts';
import { checkRedis, safeUrl } from './redis-check.ts';
import { startRuntime } from './runtime.ts';
import { routeAllTo } from './crm-binding.ts';

export interface DemoOptions {
  redisUrl?: string;
  /** Every key lives under it, and it is cleared at start. Never point it at real data. */
  prefix?: string;
  /** Dashboard port (default 3000; 0 = any free port). */
  port?: number;
  logLevel?: string;
  /** Where the URLs and hints go (default stdout). */
  out?: NodeJS.WritableStream;
  /** Ctrl+C / SIGTERM stop the demo and exit (default true; tests pass false). */
  handleSignals?: boolean;
  /** A new lead arrives this often (ms; 0 = never). Default 30 s. */
  trickleMs?: number;
}

export interface Demo {
  dashboardUrl: string;
  urls: { dashboard: string; queues: string; crm: string; partnerCenter: string; metrics: string };
  partnerCenter: Awaited<ReturnType<typeof startFakePartnerCenter>>;
  salesforce: Awaited<ReturnType<typeof startSalesforceHarness>>['fake'];
  stop(): Promise<void>;
}

const DEMO_MAPPING = 'config/mapping.default.yaml';
const DEMO_DEPLOYMENT: Deployment = { kinds: ['salesforce'], both: false };
const DEMO_CLIENT = { clientId: 'demo-app', clientSecret: 'demo-only-secret-not-used-anywhere-else' };

/**
 * `referral-sync demo`: the real worker and dashboard against the built-in Partner Center and
 * Salesforce simulators (the fakes the tests use), seeded with a realistic mix. Needs only Redis.
 */
export async function runDemo(o: DemoOptions = {}): Promise<Demo> {
  const redisUrl = o.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = o.prefix ?? 'demo';
  const out = o.out ?? process.stdout;
  // TIME_ZONE as `start` reads it (checked with Intl): deadlines and dashboard times.
  const zone = Env.shape.TIME_ZONE.safeParse(process.env.TIME_ZONE);
  if (!zone.success) throw new FatalError('TIME_ZONE must be an IANA time zone such as Europe/Berlin');
  const check = await checkRedis(redisUrl);
  if (!check.ok) throw new FatalError(`the demo needs Redis. ${check.message}`);

  const redis = connectRedis({ url: redisUrl }, { maxRetriesPerRequest: null });
  await deletePrefix(redis, prefix);
  const log = createLogger({ level: o.logLevel ?? 'warn' });
  // The studio edits versions of the shipped mapping (issue 17); the runtime applies each new one.
  const store = createRedisMappingStore(redis, prefix);
  const inForce = await mappingAtStart({
    file: DEMO_MAPPING,
    store,
    deployment: DEMO_DEPLOYMENT,
    log,
    now: new Date(),
    importFile: true,
  });
  const mapping = inForce.mapping;
  const sfSection = mapping.salesforce;
  if (!sfSection) throw new FatalError('config/mapping.default.yaml has no salesforce section');

  const pc = await startFakePartnerCenter(DEMO_CLIENT);
  const seed = demoReferrals(Date.now());
  pc.seed(seed.referrals);
  // The default mapping's lead section: marketplace and qualified leads land as Leads (issue 16).
  const sf = await startSalesforceHarness({
    connector: {
      outbound: { fields: sfSection.outbound, rules: mapping.outbound },
      ...salesforceLeadOptions(mapping),
    },
  });

  seedSellerDeals(sf.fake);

  const metrics = createMetrics();
  const credentials = createCredentialTracker(['partner-center', 'salesforce']);
  const tokens = createAppTokenProvider({
    ...pc.msalMetadata(pc.tenantId),
    ...DEMO_CLIENT,
    scope: 'https://api.partner.microsoft.com/.default',
  });
  const partnerCenter = instrumentPort(
    'partner-center',
    createPartnerCenterClient({ tokens, baseUrl: pc.url, pageSize: 100 }),
    metrics,
    credentials,
  );
  const crm = instrumentPort('salesforce', sf.connector, metrics, credentials);
  const atRisk = {
    levels: toLevels(mapping.expiry?.levelsHours),
    timeZone: zone.data,
    isContactMe: (r: Parameters<typeof isContactMeRequest>[1]) => isContactMeRequest(mapping, r),
  };

  const rt = await startRuntime({
    redisUrl,
    prefix,
    partnerCenter,
    crms: [
      {
        connector: crm,
        toDraft: (r, now) => toOpportunityDraft('salesforce', r, now, mapping),
        expiry: crm,
        lead: leadBindingFor('salesforce', mapping, sf.connector.leads),
        // Sellers share their own opportunities with Microsoft from the simulated CRM (issue 16).
        share: {
          partnerCenter,
          crm,
          rules: mapping.outbound.share,
          linkOf: referralLinkOf(mapping.referralLink),
          pollIntervalMs: 5_000,
        },
        outbound: {
          crm,
          rules: mapping.outbound,
          valueFields: sfSection.outbound,
          pollIntervalMs: 5_000,
          overlapMs: 60_000,
        },
      },
    ],
    route: routeAllTo('salesforce'),
    log,
    mapping: createLiveMapping({ store, start: inForce, deployment: DEMO_DEPLOYMENT, log }),
    pullIntervalMs: 10_000,
    overlapMs: 60_000,
    initialSince: new Date(0),
    pageSize: 100,
    concurrency: 50,
    attempts: 3,
    batchWindowMs: 200,
    schedulePull: true,
    schedulePolls: true,
    expiry: { ...atRisk, linkTemplate: null, scanIntervalMs: 15_000, schedule: true },
  });
  const source = sourceFromRuntime(rt, prefix, { atRisk, attempts: 3, credentials: () => credentials.list() });
  const server = await startHttpServer(
    {
      source,
      log,
      metrics,
      studio: {
        store,
        deployment: DEMO_DEPLOYMENT,
        file: DEMO_MAPPING,
        crmChecks: createCrmChecks({ salesforce: sf.connector }),
        readOpportunity: opportunityReader(sf.connector),
      },
    },
    {
      port: o.port ?? 3000,
      auth: { anonymousRole: 'operator' },
      extraRoutes: demoRoutes(pc, sf.fake),
      nav: DEMO_NAV,
      publicMetrics: true,
    },
  ).catch(async (err: unknown) => {
    await Promise.allSettled([rt.close(1000), pc.close(), sf.close(), redis.quit()]);
    const busy = (err as { code?: unknown }).code === 'EADDRINUSE';
    throw busy ? new FatalError(`port ${o.port ?? 3000} is in use; pick another with DASHBOARD_PORT`) : err;
  });

  let added = 0;
  const trickle =
    (o.trickleMs ?? 30_000) > 0
      ? setInterval(() => pc.upsert(trickleReferral(Date.now(), added++)), o.trickleMs ?? 30_000)
      : undefined;
  trickle?.unref();

  const u = server.url;
  const urls = {
    dashboard: `${u}/`,
    queues: `${u}/queues/admin`,
    crm: `${u}/demo/crm`,
    partnerCenter: `${u}/demo/partner-center`,
    metrics: `${u}/metrics`,
  };
  out.write(
    `\nreferral-sync demo is running (Redis ${safeUrl(redisUrl)}, key prefix "${prefix}", cleared at start)\n\n` +
      `  Dashboard                 ${urls.dashboard}\n  Queues (bull-board)       ${urls.queues}\n` +
      `  Simulated CRM             ${urls.crm}\n  Simulated Partner Center  ${urls.partnerCenter}\n` +
      `  Metrics / readiness       ${urls.metrics}  ${u}/readyz\n\n` +
      `Seeded ${seed.summary}.\nPulls every 10 s, CRM polls every 5 s, expiry scans every 15 s` +
      `${trickle ? `; a new lead arrives every ${Math.round((o.trickleMs ?? 30_000) / 1000)} s` : ''}.\n` +
      'Try it: in the simulated CRM, Accept a co-sell, or Convert or Disqualify a Lead, then watch the simulated Partner Center.\n' +
      'Or share one of your own opportunities with Microsoft, and let Microsoft accept it in the simulated Partner Center.\n' +
      `Or edit the mapping at ${u}/mapping: preview, save, and the next lead is synced with it.\n` +
      'Press Ctrl+C to stop.\n\n',
  );

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (trickle) clearInterval(trickle);
      await server.close().catch(() => undefined);
      await rt.close(5_000);
      await Promise.allSettled([pc.close(), sf.close(), redis.quit()]);
    })());
  if (o.handleSignals ?? true) {
    const onSignal = () => {
      out.write('\nstopping the demo…\n');
      process.once('SIGINT', () => process.exit(130)); // a second Ctrl+C does not wait
      stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  return { dashboardUrl: urls.dashboard, urls, partnerCenter: pc, salesforce: sf.fake, stop };
}
