import { connectRedis } from '../connectors/redis/connection.ts';
import type { Logger } from 'pino';
import type { Env } from '../src/config/env.ts';
import { certificateHostProblems } from '../src/webhooks/certificate-url.ts';
import { FatalError } from '../src/errors.ts';
import type { Adapters } from './compose.ts';
import { deploymentOf, expiryOptionsFor } from './compose.ts';
import { createRedisMappingStore } from '../connectors/redis/mapping-store.ts';
import { createCrmChecks, type CrmCheckTargets } from './http/studio/crm-checks.ts';
import { opportunityReader } from './http/studio/crm-read.ts';
import { createCredentialHealth } from './credential-health.ts';
import { CONNECTION_QUEUES, dynamicsProbe, partnerCenterProbe, salesforceProbe } from './credential-probes.ts';
import { httpOptionsFromEnv } from './http/http-env.ts';
import { startHttpServer, type HttpServerOptions } from './http/server.ts';
import { sourceFromRuntime } from './http/source.ts';
import { partnerCenterWebhookRoute } from './http/webhook-route.ts';
import type { Runtime } from './runtime.ts';
import { createWebhookIntake } from './webhook-intake/intake.ts';
import { DEFAULT_FRESHNESS } from '../src/webhooks/staleness.ts';

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

/** DASHBOARD_* as server options; a bad value stops the process with every problem named. */
export function httpOptionsOrThrow(env: Env): HttpServerOptions {
  const parsed = httpOptionsFromEnv(env);
  if (!parsed.ok) throw new FatalError(`dashboard settings: ${parsed.problems.join('; ')}`);
  return { ...parsed.options, host: env.DASHBOARD_HOST, port: env.DASHBOARD_PORT };
}

/** The studio's live CRM checks over the worker's own connectors (the ones `doctor` uses). */
function studioCrmChecks(adapters: Adapters) {
  const targets: CrmCheckTargets = {};
  for (const { connector: c } of adapters.crms) {
    if (c.kind === 'salesforce') targets.salesforce = c;
    else targets.dynamics = c;
  }
  return createCrmChecks(targets);
}

/**
 * The worker's ops side: credential health (pauses a connection's queues on a sign-in failure,
 * probes, resumes), the Partner Center webhook intake, and the HTTP server with the dashboard,
 * /healthz, /readyz and /metrics. Returns a close() for shutdown.
 */
export async function startOps(env: Env, rt: Runtime, adapters: Adapters, log: Logger) {
  const hostProblems = certificateHostProblems(list(env.PARTNER_CENTER_WEBHOOK_CERT_HOSTS));
  if (hostProblems.length > 0) throw new FatalError(`PARTNER_CENTER_WEBHOOK_CERT_HOSTS: ${hostProblems.join('; ')}`);
  const httpOptions = env.DASHBOARD === 'on' ? httpOptionsOrThrow(env) : undefined;

  const health = createCredentialHealth({
    redis: rt.redis,
    prefix: env.REDIS_PREFIX,
    log: log.child({ component: 'credential-health' }),
    connections: [
      {
        name: 'partner-center',
        queues: CONNECTION_QUEUES['partner-center'],
        probe: partnerCenterProbe(adapters.tokens, adapters.partnerCenter),
      },
      ...adapters.crms.map((c) =>
        c.connector.kind === 'salesforce'
          ? {
              name: 'salesforce' as const,
              queues: CONNECTION_QUEUES.salesforce,
              probe: salesforceProbe(c.connector as Parameters<typeof salesforceProbe>[0]),
            }
          : {
              name: 'dynamics' as const,
              queues: CONNECTION_QUEUES.dynamics,
              probe: dynamicsProbe(c.connector as Parameters<typeof dynamicsProbe>[0]),
            },
      ),
    ],
  });
  const watcher = await health.watch(() =>
    connectRedis({ url: env.REDIS_URL, cluster: env.REDIS_CLUSTER }, { maxRetriesPerRequest: null }),
  );
  const timer = setInterval(() => {
    health.probe().catch((err: unknown) => log.warn({ err }, 'credential probe failed'));
  }, env.CREDENTIAL_PROBE_INTERVAL_MS);
  timer.unref();

  const intake = createWebhookIntake({
    connection: rt.redis,
    prefix: env.REDIS_PREFIX,
    attempts: env.SYNC_ATTEMPTS,
    log: log.child({ component: 'webhook' }),
    certificateHosts: list(env.PARTNER_CENTER_WEBHOOK_CERT_HOSTS),
    freshness: { ...DEFAULT_FRESHNESS, maxAgeMs: env.PARTNER_CENTER_WEBHOOK_MAX_AGE_MS },
  });

  const expiry = expiryOptionsFor(env, adapters.mapping, false);
  const server = httpOptions
    ? await startHttpServer(
        {
          source: sourceFromRuntime(rt, env.REDIS_PREFIX, {
            atRisk: { levels: expiry.levels, timeZone: expiry.timeZone, isContactMe: expiry.isContactMe },
            attempts: env.SYNC_ATTEMPTS,
            credentials: () => health.credentialHealth(),
            crmKinds: adapters.crms.map((c) => c.connector.kind),
          }),
          log: log.child({ component: 'http' }),
          studio: {
            store: createRedisMappingStore(rt.redis, env.REDIS_PREFIX),
            deployment: deploymentOf(env),
            file: env.MAPPING_FILE,
            crmChecks: studioCrmChecks(adapters),
            readOpportunity: opportunityReader(
              adapters.crms.flatMap((c) => (c.connector.kind === 'salesforce' ? [c.connector] : []))[0],
            ),
          },
        },
        {
          ...httpOptions,
          extraRoutes: [partnerCenterWebhookRoute(intake)],
          publicMetrics: env.DASHBOARD_PUBLIC_METRICS === 'on',
          reportMetricsOwners: env.REPORT_METRICS_OWNERS,
        },
      )
    : undefined;
  if (server) log.info({ url: server.url }, 'dashboard listening');

  return {
    url: server?.url,
    async close() {
      clearInterval(timer);
      await server?.close();
      await intake.close();
      await watcher.close();
      await health.close();
    },
  };
}
