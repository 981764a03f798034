import { Counter, Gauge, Registry } from 'prom-client';
import { keys } from '../../connectors/redis/keys.ts';
import { createStateEpoch } from '../../connectors/redis/state-epoch.ts';
import { createReconcileReportStore } from '../../connectors/redis/reconcile-report.ts';
import type { PipelineCounts } from './pipeline.ts';
import { syncLag } from './pipeline.ts';
import type { DashboardSource } from './source.ts';

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;

/**
 * The process's Prometheus metrics, on a Registry of its own (never the global one). The lead
 * wires the counter hooks into the connectors (see instrument.ts); gauges are read at scrape
 * time from Redis once `attachSource` has run (startHttpServer calls it).
 */
export interface Metrics {
  readonly registry: Registry;
  /** One call to a remote API ('partner-center', 'salesforce', 'dynamics', …). */
  apiCall(remote: string): void;
  /** The remote answered 429 (or Salesforce REQUEST_LIMIT_EXCEEDED). */
  rateLimited(remote: string): void;
  /** A token could not be obtained or was refused (sign-in needed, revoked, bad secret). */
  tokenFailure(connection: string): void;
}

export interface MetricsReads {
  pipeline(): Promise<PipelineCounts>;
  expiryFired(): Promise<Record<string, number>>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const calls = new Counter({
    name: 'referral_sync_api_calls_total',
    help: 'Calls made to a remote API.',
    labelNames: ['remote'],
    registers: [registry],
  });
  const limited = new Counter({
    name: 'referral_sync_api_rate_limited_total',
    help: 'Calls a remote API refused with 429 / request limit exceeded.',
    labelNames: ['remote'],
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'referral_sync_token_failures_total',
    help: 'Failures to get or use an access token.',
    labelNames: ['connection'],
    registers: [registry],
  });
  return {
    registry,
    apiCall: (remote) => calls.inc({ remote }),
    rateLimited: (remote) => limited.inc({ remote }),
    tokenFailure: (connection) => tokens.inc({ connection }),
  };
}

const attached = new WeakSet<Registry>();

/** A scrape must not fail as a whole because one read did: that gauge is left empty. */
async function guarded(gauge: Gauge, read: (g: Gauge) => Promise<void>): Promise<void> {
  gauge.reset();
  try {
    await read(gauge);
  } catch {
    gauge.reset();
  }
}

/** Registers the gauges that read `source` at scrape time. Once per registry. */
export function attachSource(metrics: Metrics, source: DashboardSource, reads: MetricsReads): void {
  if (attached.has(metrics.registry)) return;
  attached.add(metrics.registry);
  const registers = [metrics.registry];
  new Gauge({
    name: 'referral_sync_jobs',
    help: 'Jobs per queue and state.',
    labelNames: ['queue', 'state'],
    registers,
    collect() {
      return guarded(this, async (g) => {
        for (const q of source.queues) {
          const counts = await q.getJobCounts(...JOB_STATES);
          for (const state of JOB_STATES) g.set({ queue: q.name, state }, counts[state] ?? 0);
        }
      });
    },
  });
  new Gauge({
    name: 'referral_sync_queue_paused',
    help: '1 while a queue is paused.',
    labelNames: ['queue'],
    registers,
    collect() {
      return guarded(this, async (g) => {
        for (const q of source.queues) g.set({ queue: q.name }, (await q.isPaused()) ? 1 : 0);
      });
    },
  });
  new Gauge({
    name: 'referral_sync_sync_lag_seconds',
    help: 'Now minus the pull checkpoint (newest referral change safely queued).',
    registers,
    collect() {
      return guarded(this, async (g) => {
        const lag = await syncLag(source);
        if (lag.pullLagSeconds !== null) g.set(lag.pullLagSeconds);
      });
    },
  });
  new Gauge({
    name: 'referral_sync_crm_poll_lag_seconds',
    help: 'Now minus the outbound CRM poll cursor.',
    labelNames: ['crm'],
    registers,
    collect() {
      return guarded(this, async (g) => {
        for (const p of (await syncLag(source)).crmPoll) if (p.lagSeconds !== null) g.set({ crm: p.crm }, p.lagSeconds);
      });
    },
  });
  new Gauge({
    name: 'referral_sync_referrals',
    help: 'Referrals by last known status and the CRM they are synced to (none: not yet).',
    labelNames: ['status', 'crm'],
    registers,
    collect() {
      return guarded(this, async (g) => {
        for (const [status, row] of Object.entries(await reads.pipeline())) {
          for (const [crm, n] of Object.entries(row)) g.set({ status, crm }, n);
        }
      });
    },
  });
  new Gauge({
    name: 'referral_sync_parked_referrals',
    help: 'Referrals parked for a human (dead letters).',
    registers,
    collect() {
      return guarded(this, async (g) => g.set(await source.redis.zcard(keys(source.prefix).parkedIndex)));
    },
  });
  new Gauge({
    name: 'referral_sync_expiry_alerts_fired',
    help: 'Expiry alerts recorded as fired in the ledger, by level (kept 60 days after a referral closes).',
    labelNames: ['level'],
    registers,
    collect() {
      return guarded(this, async (g) => {
        for (const [level, n] of Object.entries(await reads.expiryFired())) g.set({ level }, n);
      });
    },
  });
  new Gauge({
    name: 'referral_sync_drift',
    help: 'Drift the last reconcile sweep found, by kind (none until a sweep ran).',
    labelNames: ['kind'],
    registers,
    collect() {
      return guarded(this, async (g) => {
        const report = await createReconcileReportStore(source.redis, source.prefix).get();
        for (const [kind, n] of Object.entries(report?.counts ?? {})) g.set({ kind }, n);
      });
    },
  });
  new Gauge({
    name: 'referral_sync_credential_ok',
    help: '1 when the connection can sign in, 0 when it cannot.',
    labelNames: ['connection'],
    registers,
    collect() {
      return guarded(this, async (g) => {
        for (const c of (await source.credentials?.()) ?? []) g.set({ connection: c.name }, c.ok ? 1 : 0);
      });
    },
  });
  new Gauge({
    name: 'referral_sync_state_loss',
    help: 'Redis data losses noticed (issue 12), and 1 in state="rebuilding" until the full pull after the last one finished.',
    labelNames: ['state'],
    registers,
    collect() {
      return guarded(this, async (g) => {
        const loss = await createStateEpoch(source.redis, source.prefix).loss();
        g.set({ state: 'total' }, loss?.count ?? 0);
        g.set({ state: 'rebuilding' }, loss && loss.recoveredAt === undefined ? 1 : 0);
      });
    },
  });
}
