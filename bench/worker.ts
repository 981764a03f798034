/*
 * The worker process of `npm run bench`: the real runtime (BullMQ on real Redis, the upsert
 * batcher, the real Partner Center and CRM connectors) against the fakes the parent runs.
 * App-mode Partner Center auth; JWT Salesforce or client-credential Dynamics (--crm), with
 * config/mapping.default.yaml's section for that CRM (with --leads, its lead section and the
 * top-level `leads` rule too, bound as jobs/compose.ts binds them). Expiry and outbound
 * sync are off: the bench measures inbound sync (pull, CRM upsert, id write-back).
 * It pulls once and works the queue; on the parent's `report` message it sends its own CPU time
 * and peak RSS, closes and exits. Config comes in BENCH_WORKER_CONFIG (JSON, see protocol.ts).
 */
import { createAppTokenProvider } from '../connectors/partner-center/app-auth.ts';
import { createPartnerCenterClient } from '../connectors/partner-center/partner-center.client.ts';
import { createLogger } from '../jobs/logger.ts';
import { loadMappingFile } from '../jobs/mapping-file.ts';
import { startRuntime, type Runtime } from '../jobs/runtime.ts';
import { routeAllTo } from '../jobs/crm-binding.ts';
import { retryDelayMs } from '../jobs/queues.ts';
import { buildConnector } from './crm-connector.ts';
import { ToWorker, WorkerConfig, type FromWorker, type WorkerUsage } from './protocol.ts';

const send = (msg: FromWorker): Promise<void> =>
  new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });

const ms = (micros: number): number => micros / 1000;

async function main(): Promise<void> {
  const config = WorkerConfig.parse(JSON.parse(process.env.BENCH_WORKER_CONFIG ?? '{}'));
  const log = createLogger({ level: config.logLevel });
  const mapping = await loadMappingFile('config/mapping.default.yaml');
  const tokens = createAppTokenProvider({
    ...config.pc.metadata,
    clientId: config.pc.clientId,
    clientSecret: config.pc.clientSecret,
    scope: 'https://api.partner.microsoft.com/.default',
  });
  const { crm, toDraft, lead } = buildConnector(config.crm, mapping, log.child({ remote: config.crm.kind }), {
    leads: config.leads,
  });
  if (config.leads && !lead) throw new Error(`--leads: the mapping has no ${config.crm.kind}.lead section`);
  // Batch sizes as the batchers hand them to the connector (to see fragmentation).
  const batches: WorkerUsage['batches'] = [];
  const leadBatches: WorkerUsage['leadBatches'] = [];
  let pullStart = Date.now();
  const measured: typeof crm = {
    ...crm,
    upsertOpportunities: (drafts) => {
      batches.push({ size: drafts.length, atMs: Date.now() - pullStart });
      return crm.upsertOpportunities(drafts);
    },
  };
  const measuredLead = lead && {
    ...lead,
    crm: {
      ...lead.crm,
      upsertLeads: (drafts: Parameters<typeof lead.crm.upsertLeads>[0]) => {
        leadBatches.push({ size: drafts.length, atMs: Date.now() - pullStart });
        return lead.crm.upsertLeads(drafts);
      },
    },
  };
  const rt: Runtime = await startRuntime({
    redisUrl: config.redisUrl,
    prefix: config.prefix,
    partnerCenter: createPartnerCenterClient({ tokens, baseUrl: config.pc.url, pageSize: config.pageSize }),
    crms: [{ connector: measured, toDraft, ...(measuredLead ? { lead: measuredLead } : {}) }],
    route: routeAllTo(measured.kind),
    log,
    // Production defaults (src/config/env.ts) where they matter to throughput.
    pullIntervalMs: 300_000,
    overlapMs: 120_000,
    initialSince: new Date(0),
    pageSize: config.pageSize,
    concurrency: config.concurrency,
    attempts: 8,
    batchWindowMs: config.batchWindowMs,
    partnerCenterMaxRps: config.partnerCenterMaxRps,
    schedulePull: false,
  });
  // A 'failed' event is an attempt spent; a 429's RateLimitError and a busy referral's delay are not.
  const jobs = { completed: 0, failedAttempts: 0, completedAtMs: [] as number[] };
  rt.syncWorker.on('completed', () => {
    jobs.completed += 1;
    jobs.completedAtMs.push(Date.now());
  });
  rt.syncWorker.on('failed', () => (jobs.failedAttempts += 1));

  const startupCpu = process.cpuUsage();
  const mb = (bytes: number): number => bytes / 1024 / 1024;
  let atPeak: WorkerUsage['atPeak'] = { rssMb: 0, heapTotalMb: 0, heapUsedMb: 0, externalMb: 0, arrayBuffersMb: 0 };
  // What the peak RSS is made of: the sample with the highest RSS (a sampler, so it may miss the
  // exact peak by up to 200 ms; maxRssKb is the exact figure).
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    if (mb(m.rss) <= atPeak.rssMb) return;
    atPeak = {
      rssMb: mb(m.rss),
      heapTotalMb: mb(m.heapTotal),
      heapUsedMb: mb(m.heapUsed),
      externalMb: mb(m.external),
      arrayBuffersMb: mb(m.arrayBuffers),
    };
  }, 200);
  sampler.unref();
  const rssAtStartMb = process.memoryUsage().rss / 1024 / 1024;
  process.on('message', (raw: unknown) => {
    if (!ToWorker.safeParse(raw).success) return;
    const run = process.cpuUsage(startupCpu);
    const usage: WorkerUsage = {
      cpuRunMs: ms(run.user + run.system),
      cpuUserMs: ms(run.user),
      cpuSystemMs: ms(run.system),
      cpuStartupMs: ms(startupCpu.user + startupCpu.system),
      maxRssKb: process.resourceUsage().maxRSS,
      rssAtStartMb,
      rssAtEndMb: process.memoryUsage().rss / 1024 / 1024,
      heapUsedMb: process.memoryUsage().heapUsed / 1024 / 1024,
      atPeak,
      batches,
      leadBatches,
      jobs,
    };
    void send({ type: 'report', usage })
      .then(() => rt.close(5_000))
      .finally(() => process.exit(0));
  });

  pullStart = Date.now();
  await send({ type: 'started', at: pullStart });
  // A failed pull is retried as the pull job is (3 attempts, backoff) instead of ending the run;
  // jobs it queued already keep their ids (one per referral version), so none is queued twice.
  let pulled;
  for (let attempt = 1; ; attempt++) {
    try {
      pulled = await rt.runPull();
      break;
    } catch (err) {
      if (attempt >= 3) throw err;
      log.warn({ err, attempt }, 'bench pull failed; retrying as the pull job would');
      await new Promise((r) => setTimeout(r, retryDelayMs(attempt, err)));
    }
  }
  await send({
    type: 'pulled',
    at: Date.now(),
    fetched: pulled.fetched,
    queued: pulled.queued,
    inSync: pulled.inSync,
    invalid: pulled.invalid,
  });
}

main().catch(async (err: unknown) => {
  await send({ type: 'failed', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  process.exit(1);
});
