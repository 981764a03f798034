import { z } from 'zod';

/*
 * What the bench parent and its worker process tell each other: the worker's config (env
 * BENCH_WORKER_CONFIG, JSON) and the IPC messages in both directions.
 */

/** msal metadata of a fake Entra authority (Partner Center's and Dataverse's fakes serve one each). */
const MsalMetadata = z.object({
  authorityHost: z.string(),
  tenantId: z.string(),
  authorityMetadata: z.string(),
  cloudDiscoveryMetadata: z.string(),
});

/** The CRM fake the worker writes to: Salesforce (JWT) or Dataverse (client credentials). */
export const CrmConfig = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('salesforce'),
    url: z.string(),
    clientId: z.string(),
    username: z.string(),
    privateKey: z.string(),
  }),
  z.object({
    kind: z.literal('dynamics'),
    url: z.string(),
    clientId: z.string(),
    clientSecret: z.string(),
    metadata: MsalMetadata,
  }),
]);
export type CrmConfig = z.infer<typeof CrmConfig>;

export const WorkerConfig = z.object({
  redisUrl: z.string(),
  prefix: z.string(),
  pc: z.object({ url: z.string(), clientId: z.string(), clientSecret: z.string(), metadata: MsalMetadata }),
  crm: CrmConfig,
  pageSize: z.number().int().positive(),
  concurrency: z.number().int().positive(),
  batchWindowMs: z.number().int().min(0),
  logLevel: z.string(),
  /** PARTNER_CENTER_MAX_RPS (0 = unpaced). */
  partnerCenterMaxRps: z.number().int().min(0),
  /** The CRM's Lead binding as production builds it (--leads, issue 16). */
  leads: z.boolean().default(false),
});
export type WorkerConfig = z.infer<typeof WorkerConfig>;

/** Resources of the worker process, measured by itself. */
export const WorkerUsage = z.object({
  /** CPU (user + system) from the start of the pull to the report request, in ms. */
  cpuRunMs: z.number(),
  cpuUserMs: z.number(),
  cpuSystemMs: z.number(),
  /** CPU spent starting up (tsx compile, imports, startRuntime), in ms. */
  cpuStartupMs: z.number(),
  /** process.resourceUsage().maxRSS: peak resident set size over the whole life, in KiB. */
  maxRssKb: z.number(),
  /** RSS right after startup (before the pull), and at the report request, in MB. */
  rssAtStartMb: z.number(),
  rssAtEndMb: z.number(),
  heapUsedMb: z.number(),
  /**
   * process.memoryUsage() at the highest RSS sampled (every 200 ms), in MB: what the peak is made
   * of (V8 heap reserved and in use, external memory, of which array buffers).
   */
  atPeak: z.object({
    rssMb: z.number(),
    heapTotalMb: z.number(),
    heapUsedMb: z.number(),
    externalMb: z.number(),
    arrayBuffersMb: z.number(),
  }),
  /** Every upsertOpportunities call the batcher made: drafts in it and ms since the pull started. */
  batches: z.array(z.object({ size: z.number(), atMs: z.number() })),
  /** Every upsertLeads call the Lead batcher made (--leads), the same way. */
  leadBatches: z.array(z.object({ size: z.number(), atMs: z.number() })),
  /** Sync jobs completed, and attempts that failed (each spends one of a job's attempts). */
  jobs: z.object({ completed: z.number(), failedAttempts: z.number(), completedAtMs: z.array(z.number()) }),
});
export type WorkerUsage = z.infer<typeof WorkerUsage>;

export const FromWorker = z.discriminatedUnion('type', [
  /** startRuntime is done; the pull starts right after (`at` is the worker's Date.now()). */
  z.object({ type: z.literal('started'), at: z.number() }),
  z.object({
    type: z.literal('pulled'),
    at: z.number(),
    fetched: z.number(),
    queued: z.number(),
    inSync: z.number(),
    invalid: z.number(),
  }),
  z.object({ type: z.literal('report'), usage: WorkerUsage }),
  z.object({ type: z.literal('failed'), error: z.string() }),
]);
export type FromWorker = z.infer<typeof FromWorker>;

export type ToWorker = { type: 'report' };
export const ToWorker = z.object({ type: z.literal('report') });
