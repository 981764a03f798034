import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { connectRedis, deletePrefix, type RedisConnection } from '../../connectors/redis/connection.ts';
import type { Referral } from '../../src/domain/referral.ts';
import { toOpportunityDraft } from '../../src/mapping/apply.ts';
import type { Mapping } from '../../src/mapping/schema.ts';
import type { PartnerCenterClient } from '../../src/ports/partner-center.ts';
import type { Clock } from '../../src/ports/clock.ts';
import { routeReferral } from '../../src/mapping/routing.ts';
import { startDataverseHarness, type DataverseHarness } from '../fakes/dataverse/dataverse-harness.ts';
import { createAppTokenProvider } from '../../connectors/partner-center/app-auth.ts';
import { createPartnerCenterClient } from '../../connectors/partner-center/partner-center.client.ts';
import { createLogger } from '../../jobs/logger.ts';
import { loadMappingFile } from '../../jobs/mapping-file.ts';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../jobs/runtime.ts';
import { routeAllTo, type CrmBinding } from '../../jobs/crm-binding.ts';
import { referralLinkOf } from '../../jobs/compose.ts';
import type { CrmConnector, CrmOutbound } from '../../src/ports/crm.ts';
import type { CrmShare } from '../../src/ports/crm-share.ts';
import {
  startFakePartnerCenter,
  type FakePartnerCenter,
  type FakePartnerCenterOptions,
} from '../fakes/partner-center/server.ts';
import { startSalesforceHarness, type SalesforceHarness } from '../fakes/salesforce/salesforce-harness.ts';
import { dynamicsLeadOptions, leadBindingFor, salesforceLeadOptions } from '../../jobs/lead-compose.ts';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const PC_CLIENT = { clientId: 'pc-app', clientSecret: 'pc-app-secret-value-0123456789' };

/** Every line the worker logged during a test, for "no secret in any log line" assertions. */
export function logCapture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: createLogger({ level: 'debug', destination: stream }), lines, text: () => lines.join('') };
}

const sfOutboundFields = (m: Mapping) => {
  if (!m.salesforce) throw new Error('the mapping has no salesforce section');
  return m.salesforce.outbound;
};

/** CRM=both in tests: German, Austrian and Swiss customers go to Dynamics 365, the rest to Salesforce. */
export const routeDachToDynamics = (m: Mapping): Mapping => ({
  ...m,
  routing: {
    default: 'salesforce',
    rules: [
      { crm: 'dynamics', match: 'all', when: [{ path: 'customerProfile.address.country', in: ['DE', 'AT', 'CH'] }] },
    ],
  },
});

/** The same referral with a German customer (routed to Dynamics by routeDachToDynamics). */
export const german = (r: Referral): Referral => ({
  ...r,
  customerProfile: { ...r.customerProfile, address: { ...r.customerProfile?.address, country: 'DE' } },
});

export interface StackOptions {
  mapping?: (m: Mapping) => Mapping;
  runtime?: Partial<RuntimeOptions>;
  clock?: Clock;
  /** Outbound sync on (for each CRM in the stack). */
  outbound?: boolean;
  /** Referrals as Salesforce Leads per the mapping's lead section and leads rule (issue 16). */
  leads?: boolean;
  /** Adds a fake Dataverse as a second CRM with routeDachToDynamics (CRM=both). */
  dynamics?: boolean;
  /** Delay on every fake Salesforce response (keeps calls in flight, e.g. for shutdown tests). */
  salesforceLatencyMs?: number;
  /** Wraps the Partner Center client the runtime uses (fault injection around calls). */
  wrapPartnerCenter?: (client: PartnerCenterClient, pc: FakePartnerCenter) => PartnerCenterClient;
  /** Sharing opportunities with Microsoft (issue 16) on, for each CRM in the stack (needs outbound). */
  share?: boolean;
  /** The Partner Center client's per-request timeout (default 30 s). */
  pcTimeoutMs?: number;
  /** Options of the fake Partner Center (e.g. `patchesPerSecond`, its 429 throttle). */
  partnerCenter?: Partial<FakePartnerCenterOptions>;
  /** Another Redis than the shared test one (e.g. a Redis Cluster node; the prefix then needs a hash tag). */
  redis?: { url: string; cluster: boolean; prefix: string };
}

export interface Stack {
  prefix: string;
  pc: FakePartnerCenter;
  sf: SalesforceHarness;
  /** Present with `dynamics: true`. */
  dv: DataverseHarness | undefined;
  mapping: Mapping;
  logs: ReturnType<typeof logCapture>;
  redis: RedisConnection;
  rt: Runtime;
  /** The CRMs the runtime writes to (Salesforce, then Dynamics with `dynamics: true`). */
  crms: CrmBinding[];
  /** A second runtime on the same Redis/fakes (e.g. after a simulated crash). */
  restart(overrides?: Partial<RuntimeOptions>): Promise<Runtime>;
  close(): Promise<void>;
}

/** Fake Partner Center + fake Salesforce + a real runtime on real Redis under a fresh prefix. */
export async function startStack(o: StackOptions = {}): Promise<Stack> {
  const prefix = o.redis?.prefix ?? `it-${randomBytes(4).toString('hex')}`;
  const pc = await startFakePartnerCenter({ ...PC_CLIENT, ...o.partnerCenter });
  const base = await loadMappingFile('config/mapping.default.yaml');
  const mapped = o.mapping ? o.mapping(base) : base;
  const mapping = o.dynamics ? routeDachToDynamics(mapped) : mapped;
  const sf = await startSalesforceHarness({
    fake: {
      fields: { Opportunity: [{ name: 'Loss_Reason__c', type: 'string', length: 255 }] },
      ...(o.salesforceLatencyMs ? { latencyMs: o.salesforceLatencyMs } : {}),
    },
    connector: {
      ...(o.outbound ? { outbound: { fields: mapping.salesforce?.outbound ?? {}, rules: mapping.outbound } } : {}),
      ...(o.leads ? salesforceLeadOptions(mapping) : {}),
    },
  });
  const logs = logCapture();
  const target = { url: o.redis?.url ?? REDIS_URL, cluster: o.redis?.cluster ?? false };
  const redis = connectRedis(target);
  const tokens = createAppTokenProvider({
    ...pc.msalMetadata(pc.tenantId),
    ...PC_CLIENT,
    scope: 'https://api.partner.microsoft.com/.default',
  });
  const client = createPartnerCenterClient({
    tokens,
    baseUrl: pc.url,
    pageSize: 100,
    ...(o.pcTimeoutMs ? { timeoutMs: o.pcTimeoutMs } : {}),
  });
  const shareOf = (crm: CrmConnector & CrmOutbound & CrmShare) =>
    o.share
      ? {
          partnerCenter: client,
          crm,
          rules: mapping.outbound.share,
          linkOf: referralLinkOf(mapping.referralLink),
          pollIntervalMs: 60_000,
        }
      : undefined;
  const partnerCenter = o.wrapPartnerCenter ? o.wrapPartnerCenter(client, pc) : client;
  const dv = o.dynamics ? await startDataverseHarness() : undefined;
  const dvFields = mapping.dynamics?.outbound;
  const dvConnector =
    dv && dvFields
      ? dv.another({
          outbound: { fields: dvFields, rules: mapping.outbound },
          ...(o.leads ? dynamicsLeadOptions(mapping) : {}),
        })
      : undefined;
  const crms: CrmBinding[] = [
    {
      connector: sf.connector,
      toDraft: (r: Referral, now: Date) => toOpportunityDraft('salesforce', r, now, mapping),
      expiry: sf.connector,
      ...(o.leads ? { lead: leadBindingFor('salesforce', mapping, sf.connector.leads) } : {}),
      share: o.outbound ? shareOf(sf.connector) : undefined,
      outbound: o.outbound
        ? {
            crm: sf.connector,
            rules: mapping.outbound,
            valueFields: sfOutboundFields(mapping),
            pollIntervalMs: 60_000,
            overlapMs: 60_000,
          }
        : undefined,
    },
    ...(dvConnector && dvFields
      ? [
          {
            connector: dvConnector,
            toDraft: (r: Referral, now: Date) => toOpportunityDraft('dynamics', r, now, mapping),
            expiry: dvConnector,
            ...(o.leads ? { lead: leadBindingFor('dynamics', mapping, dvConnector.leads) } : {}),
            share: shareOf(dvConnector),
            outbound: o.outbound
              ? {
                  crm: dvConnector,
                  rules: mapping.outbound,
                  valueFields: { ...dvFields, currency: 'transactioncurrencyid' },
                  pollIntervalMs: 60_000,
                  overlapMs: 60_000,
                }
              : undefined,
          },
        ]
      : []),
  ];
  const options: RuntimeOptions = {
    redisUrl: target.url,
    redisCluster: target.cluster,
    prefix,
    partnerCenter,
    crms,
    route: dvConnector
      ? (r: Referral) => routeReferral(mapping.routing ?? { default: 'salesforce', rules: [] }, r, mapping.referralLink)
      : routeAllTo('salesforce'),
    log: logs.log,
    pullIntervalMs: 60_000,
    overlapMs: 60_000,
    initialSince: new Date(0),
    pageSize: 100,
    concurrency: 600,
    attempts: 5,
    batchWindowMs: 50,
    schedulePull: false,
    ...(o.clock ? { clock: o.clock } : {}),
    ...o.runtime,
  };
  const runtimes: Runtime[] = [await startRuntime(options)];
  return {
    prefix,
    pc,
    sf,
    dv,
    mapping,
    logs,
    redis,
    rt: runtimes[0] as Runtime,
    crms,
    async restart(overrides = {}) {
      const rt = await startRuntime({ ...options, ...overrides });
      runtimes.push(rt);
      return rt;
    },
    async close() {
      for (const rt of runtimes) await rt.close(1000).catch(() => undefined);
      await deleteKeys(redis, prefix);
      await redis.quit();
      await pc.close();
      await sf.close();
      await dv?.close();
    },
  };
}

/** Deletes a test prefix's keys (cluster-aware: connectors/redis/connection.ts). */
export async function deleteKeys(redis: RedisConnection, prefix: string): Promise<void> {
  await deletePrefix(redis, prefix);
}

/** Opportunity calls the fake Salesforce saw, by kind. */
export function opportunityWrites(sf: SalesforceHarness) {
  // A composite call (new customers' Accounts + the Opportunity collection) counts as one collection call.
  const reqs = sf.fake
    .requests()
    .filter((r) => r.path.includes('/Opportunity') || r.subrequests?.some((x) => x.path.includes('/Opportunity')));
  return {
    collections: reqs.filter((r) => r.route === 'upsertCollection' || r.route === 'composite').length,
    singles: reqs.filter((r) => r.route === 'upsertSingle').length,
    all: reqs.filter((r) => r.method !== 'GET').length,
  };
}

/** Waits until a queue has nothing runnable left (jobs delayed further than `horizonMs` are held ones). */
export async function idle(queue: import('bullmq').Queue, horizonMs = 5_000, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const c = await queue.getJobCounts('waiting', 'active', 'prioritized', 'waiting-children');
    const delayed = await queue.getDelayed();
    const soon = delayed.filter((j) => j.timestamp + (j.opts.delay ?? 0) < Date.now() + horizonMs).length;
    if ((c.waiting ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0) + soon === 0) return;
    if (Date.now() > until) throw new Error(`queue ${queue.name} did not settle`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
