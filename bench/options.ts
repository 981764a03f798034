import { parseArgs } from 'node:util';

/** What `npm run bench -- ...` accepts. Defaults follow issue 8 and the production env defaults. */
/** The V8 flags `npm start` and the Docker image run the worker with. */
export const SHIPPED_NODE_OPTIONS = '--max-old-space-size=192 --max-semi-space-size=4';

export type BenchCrm = 'salesforce' | 'dynamics';

export interface BenchOptions {
  /** The CRM the worker writes to: fake Salesforce (default) or fake Dataverse. */
  crm: BenchCrm;
  /** Referrals seeded into the fake Partner Center. */
  n: number;
  /** Fixed delay before every answer of both fakes (token calls too), in ms. */
  latencyMs: number;
  /** `$top` the worker asks for, and the fake's largest page. */
  pageSize: number;
  /** Concurrent sync jobs in the worker (SYNC_CONCURRENCY, default 400; Dynamics 1200). */
  concurrency: number;
  /** The upsert batcher's quiet gap (BATCH_WINDOW_MS, default 200). */
  batchWindowMs: number;
  /** Referrals in the sequential per-record baseline (default min(n, 1000)); 0 skips it. */
  baseline: number;
  /** Give every referral its own customer (default: the fixtures' 6 companies). */
  uniqueCustomers: boolean;
  /** The worker's log level (LOG_LEVEL, default info as in production). */
  logLevel: string;
  /** Give up waiting for the worker after this long, in s. */
  timeoutS: number;
  /** Where the JSON results go. */
  out: string;
  /** The fake Partner Center answers 429 (with Retry-After) to PATCHes above this rate; 0 = no throttling. */
  pcMaxRps: number;
  /** PARTNER_CENTER_MAX_RPS the worker runs with (default: pcMaxRps, the allowed rate). */
  workerMaxRps: number;
  /** Referrals in the CPU-floor measurement (bench/cpu-floor.ts; default min(n, 10000)); 0 skips it. */
  floor: number;
  /** Busy-loop child processes started beside the worker for its run (0 = none). */
  cpuHogs: number;
  /** Concurrent per-record flows in the baseline (Power Automate / Logic Apps run 25–50). */
  baselineConcurrency: number;
  /** Extra node flags for the worker process, e.g. "--max-old-space-size=192" (split on spaces). */
  workerNodeOptions: string[];
  /**
   * A mixed backfill (issue 16): the worker gets its CRM's Lead binding as production builds it,
   * and the seeded referrals are marketplace leads, qualified leads and co-sells (bench/mix.ts).
   */
  leads: boolean;
}

const USAGE = `usage: npm run bench -- [--crm salesforce|dynamics] [--n 10000] [--latency 20] [--page-size 100] [--concurrency 400|1200]
  [--batch-window 500] [--baseline 1000] [--unique-customers] [--log-level info] [--timeout <s>] [--out bench/results/latest.json]
  [--floor 10000] [--cpu-hog 0] [--baseline-concurrency 25] [--pc-max-rps 0] [--worker-max-rps <pc-max-rps>] [--worker-node-options="--max-old-space-size=192"]  (note the =)
  [--leads]  (a mixed backfill: Leads and co-sell opportunities; no per-record baseline)`;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function int(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer >= ${min} (got ${raw})\n${USAGE}`);
  return v;
}

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      crm: { type: 'string' },
      n: { type: 'string' },
      latency: { type: 'string' },
      'page-size': { type: 'string' },
      concurrency: { type: 'string' },
      'batch-window': { type: 'string' },
      baseline: { type: 'string' },
      'unique-customers': { type: 'boolean' },
      'log-level': { type: 'string' },
      timeout: { type: 'string' },
      out: { type: 'string' },
      'worker-node-options': { type: 'string' },
      'pc-max-rps': { type: 'string' },
      'cpu-hog': { type: 'string' },
      floor: { type: 'string' },
      'baseline-concurrency': { type: 'string' },
      'worker-max-rps': { type: 'string' },
      leads: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const n = int('n', values.n, 10_000, 1);
  const logLevel = values['log-level'] ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}\n${USAGE}`);
  const leads = values.leads === true;
  // The per-record baseline models opportunity flows only; a Lead flow is not modelled.
  if (leads && values.baseline !== undefined && values.baseline !== '0')
    throw new Error(`--leads runs without the per-record baseline (use --baseline 0 or leave it out)\n${USAGE}`);
  const crm = values.crm ?? 'salesforce';
  if (crm !== 'salesforce' && crm !== 'dynamics')
    throw new Error(`--crm must be salesforce or dynamics (got ${crm})\n${USAGE}`);
  return {
    crm,
    n,
    latencyMs: int('latency', values.latency, 20, 0),
    pageSize: int('page-size', values['page-size'], 100, 1),
    // As shipped: the CRM's largest batch plus 200 (jobs/batch-pending.ts, defaultSyncConcurrency).
    concurrency: int('concurrency', values.concurrency, crm === 'dynamics' ? 1200 : 400, 1),
    batchWindowMs: int('batch-window', values['batch-window'], 500, 0),
    baseline: leads ? 0 : Math.min(n, int('baseline', values.baseline, Math.min(n, 1_000), 0)),
    uniqueCustomers: values['unique-customers'] === true,
    logLevel,
    // Generous: a busy 2-core machine runs 100 000 referrals in minutes, not tens of minutes.
    timeoutS: int('timeout', values.timeout, 120 + Math.ceil(n / 100), 1),
    out: values.out ?? 'bench/results/latest.json',
    floor: Math.min(n, int('floor', values.floor, Math.min(n, 10_000), 0)),
    cpuHogs: int('cpu-hog', values['cpu-hog'], 0, 0),
    baselineConcurrency: int('baseline-concurrency', values['baseline-concurrency'], 25, 1),
    pcMaxRps: int('pc-max-rps', values['pc-max-rps'], 0, 0),
    workerMaxRps: int('worker-max-rps', values['worker-max-rps'], int('pc-max-rps', values['pc-max-rps'], 0, 0), 0),
    // Defaults to the heap cap the worker ships with (Dockerfile, npm start), so the bench measures that.
    workerNodeOptions: (values['worker-node-options'] ?? SHIPPED_NODE_OPTIONS).split(' ').filter((f) => f !== ''),
    leads,
  };
}
