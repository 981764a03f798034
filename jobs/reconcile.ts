import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { RedisConnection } from '../connectors/redis/connection.ts';
import { createReconcileReportStore, type ReconcileReport } from '../connectors/redis/reconcile-report.ts';
import type { Referral } from '../src/domain/referral.ts';
import type { CrmStatusWritten } from '../src/outbound/inbound-echo.ts';
import type { PushedValues } from '../src/outbound/snapshot-values.ts';
import type { CrmKind, CrmOutbound } from '../src/ports/crm.ts';
import type { OutboundStore } from '../src/ports/outbound-store.ts';
import type { PartnerCenterClient } from '../src/ports/partner-center.ts';
import type { Clock } from '../src/ports/clock.ts';
import type { ParkingLot, ReferralStore, ReferralSyncState, SyncStateStore } from '../src/ports/state.ts';
import { countDrift, findDrift, type CrmOpportunity, type Drift } from '../src/sync/reconcile.ts';
import { toBullMqError } from './processor.ts';
import { requeueFinished } from './job-guard.ts';
import { outboundQueues, pushJobId, pushJobOptions } from './outbound-queues.ts';
import { QUEUE, scheduleEvery, syncJobId, syncJobOptions, WORKER_SETTINGS } from './queues.ts';

/** Stable scheduler id: re-registering on every start (and after a Redis loss) updates one scheduler. */
export const RECONCILE_SCHEDULER_ID = 'reconcile-sweep';
const RECONCILE_QUEUE = 'reconcile';
/**
 * Closed referrals younger than this are compared too: long enough for a weekly-only outage of the
 * sweep to be caught, short enough that the listing stays small (closed referrals pile up forever).
 */
const RECENTLY_CLOSED_MS = 30 * 24 * 3600_000;
/** Redis reads per round (pipelined): bounds memory and the size of one pipeline at 100k referrals. */
const READ_CHUNK = 1000;

/** One CRM as the sweep sees it: its opportunities, and whether outbound sync pushes its decisions. */
export interface ReconcileCrm {
  kind: CrmKind;
  reader: Pick<CrmOutbound, 'listChangedSince'>;
  outbound: boolean;
}

/**
 * A configured CRM as the sweep reads it: the outbound connector when outbound sync is on, else
 * the connector itself if it can list opportunities (both shipped ones can); none: not compared.
 */
export function reconcileCrmOf(crm: { kind: CrmKind }, outbound: ReconcileCrm['reader'] | undefined): ReconcileCrm[] {
  const reader = outbound ?? (canList(crm) ? crm : undefined);
  return reader ? [{ kind: crm.kind, reader, outbound: outbound !== undefined }] : [];
}

const canList = <T extends object>(crm: T): crm is T & ReconcileCrm['reader'] =>
  typeof (crm as Partial<CrmOutbound>).listChangedSince === 'function';

export interface ReconcileDeps {
  connection: RedisConnection;
  prefix: string;
  partnerCenter: PartnerCenterClient;
  crms: readonly ReconcileCrm[];
  referrals: ReferralStore;
  state: SyncStateStore;
  outbound: OutboundStore;
  parking: ParkingLot;
  clock: Clock;
  log: Logger;
  pageSize: number;
  attempts: number;
}

export interface ReconcileResult {
  report: ReconcileReport;
  drifts: Drift[];
}

/**
 * Partner Center's filters are ANDed clauses on documented fields (docs/partner-center-referrals-api.md, "Listing
 * referrals": `status`,
 * `updatedDateTime`); `or` and `ne` are not shown working, so open referrals take one listing per
 * status instead of `status ne 'Closed'`.
 */
const listings = (now: Date) => [
  { filter: "status eq 'New'" },
  { filter: "status eq 'Active'" },
  { filter: "status eq 'Closed'", updatedSince: new Date(now.getTime() - RECENTLY_CLOSED_MS) },
];

async function listReferrals(d: ReconcileDeps, now: Date): Promise<Referral[]> {
  // A referral that changes status while we list may show in two listings: its latest copy wins.
  const latest = new Map<string, Referral>();
  for (const q of listings(now)) {
    for await (const page of d.partnerCenter.listReferrals({ ...q, pageSize: d.pageSize })) {
      for (const r of page.referrals) {
        const seen = latest.get(r.id);
        if (!seen || Date.parse(r.updatedDateTime ?? '') >= Date.parse(seen.updatedDateTime ?? '')) latest.set(r.id, r);
      }
    }
  }
  return [...latest.values()];
}

/** `a` was last changed before `b` by Partner Center's own clock (an unparsable time is not older). */
const isOlder = (a: Referral, b: Referral): boolean =>
  Date.parse(a.updatedDateTime ?? '') < Date.parse(b.updatedDateTime ?? '');

/** Reads one value per id in pipelined rounds; absent values are left out. */
async function readAll<T>(ids: readonly string[], read: (id: string) => Promise<T | null>): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  for (let i = 0; i < ids.length; i += READ_CHUNK) {
    const chunk = ids.slice(i, i + READ_CHUNK);
    const values = await Promise.all(chunk.map(read));
    chunk.forEach((id, j) => {
      const v = values[j];
      if (v !== null && v !== undefined) out.set(id, v);
    });
  }
  return out;
}

/**
 * The sweep: lists both sides, reads our state, finds the drift, and (unless `dryRun`) repairs
 * each drift through the job that normally does that work, never by writing to a remote itself.
 */
export function createReconciler(d: ReconcileDeps) {
  const syncQueue = new Queue(QUEUE.sync, { connection: d.connection, prefix: d.prefix });
  const pushQueues = new Map(
    d.crms
      .filter((c) => c.outbound)
      .map((c) => [c.kind, new Queue(outboundQueues(c.kind).push, { connection: d.connection, prefix: d.prefix })]),
  );
  const reports = createReconcileReportStore(d.connection, d.prefix);

  async function repair(drift: Drift, referral: Referral, opp: CrmOpportunity | undefined): Promise<boolean> {
    const a = drift.action;
    if (a.job === 'none') return false;
    if (a.job === 'sync') {
      // fetch: the job reads the referral from Partner Center as it is when it runs.
      const data = { referralId: drift.referralId, eTag: drift.eTag, fetch: true };
      return requeueFinished(syncQueue, 'sync', data, {
        ...syncJobOptions(d.attempts),
        jobId: syncJobId(drift.referralId, drift.eTag),
      });
    }
    const queue = pushQueues.get(a.crm);
    if (!queue || !opp) return false;
    // The push decides from the stored referral and snapshot (job data carries ids only), as after
    // a poll. The listed copy is stored only if it is not older than the stored one: a sync may
    // have stored a newer copy since the listing began. (A sync repair fetches its own copy.)
    const stored = await d.referrals.get(referral.id);
    if (!stored || !isOlder(referral, stored)) await d.referrals.putMany([referral]);
    await d.outbound.putSnapshots([opp.snapshot]);
    return requeueFinished(
      queue,
      'push',
      { referralId: drift.referralId },
      { ...pushJobOptions(d.attempts), priority: 1, jobId: pushJobId(opp.snapshot) },
    );
  }

  async function run(opts: { dryRun: boolean }): Promise<ReconcileResult> {
    const started = d.clock.now();
    const referrals = await listReferrals(d, started);
    const opportunities: CrmOpportunity[] = [];
    for (const c of d.crms) {
      // No cursor: every opportunity carrying a referral key, as snapshots.
      const page = await c.reader.listChangedSince(null, 0);
      for (const snapshot of page.snapshots) opportunities.push({ crm: c.kind, snapshot });
    }
    const ids = referrals.map((r) => r.id);
    const withOpp = new Set(opportunities.map((o) => o.snapshot.referralId));
    const paired = ids.filter((id) => withOpp.has(id));
    const states = await readAll<ReferralSyncState>(ids, (id) => d.state.get(id));
    const lastPushed = await readAll<PushedValues>(paired, (id) => d.outbound.lastPushed(id));
    const lastWritten = await readAll<CrmStatusWritten>(paired, (id) => d.outbound.lastWritten(id));
    const outboundCrms = new Set(d.crms.filter((c) => c.outbound).map((c) => c.kind));
    const drifts = findDrift({ referrals, opportunities, states, lastPushed, lastWritten, outboundCrms });

    let queued = 0;
    let parked = 0;
    if (!opts.dryRun) {
      const byId = new Map(referrals.map((r) => [r.id, r]));
      const oppOf = new Map(opportunities.map((o) => [`${o.crm}/${o.snapshot.crmId}`, o]));
      for (const drift of drifts) {
        // A parked referral waits for a human (replay); a repair would only park it again.
        if (drift.action.job !== 'none' && (await d.parking.has(drift.referralId))) {
          parked += 1;
          continue;
        }
        const done = await repair(
          drift,
          byId.get(drift.referralId) as Referral,
          oppOf.get(`${drift.crm}/${drift.crmId}`),
        );
        if (done) queued += 1;
        d.log.info(
          {
            referralId: drift.referralId,
            kind: drift.kind,
            crm: drift.crm,
            crmId: drift.crmId,
            job: drift.action.job,
            queued: done,
          },
          done
            ? 'reconcile: drift queued for repair'
            : 'reconcile: drift found (repair already queued, or none by design)',
        );
      }
    }
    const report: ReconcileReport = {
      at: started.toISOString(),
      durationMs: d.clock.now().getTime() - started.getTime(),
      referrals: referrals.length,
      opportunities: opportunities.length,
      counts: countDrift(drifts),
      queued,
      parked,
    };
    if (!opts.dryRun) await reports.put(report);
    d.log.info(
      {
        ...report.counts,
        referrals: report.referrals,
        opportunities: report.opportunities,
        queued,
        parked,
        dryRun: opts.dryRun,
      },
      'reconcile sweep finished',
    );
    return { report, drifts };
  }

  return {
    run,
    async close() {
      await Promise.all([syncQueue.close(), ...[...pushQueues.values()].map((q) => q.close())]);
    },
  };
}

/**
 * The scheduled sweep: a repeatable job (fixed scheduler id) run by one worker at a time.
 * `intervalMs` 0 turns it off (an existing scheduler is removed, so turning it off sticks).
 */
export async function startScheduledReconcile(d: ReconcileDeps, o: { intervalMs: number; schedule: boolean }) {
  const reconciler = createReconciler(d);
  const queue = new Queue(RECONCILE_QUEUE, { connection: d.connection, prefix: d.prefix });
  const settings = WORKER_SETTINGS;
  const worker = new Worker(
    RECONCILE_QUEUE,
    async () => {
      try {
        const { report } = await reconciler.run({ dryRun: false });
        return { counts: report.counts, queued: report.queued };
      } catch (err) {
        d.log.warn({ err }, 'reconcile sweep failed');
        throw toBullMqError(err);
      }
    },
    { connection: d.connection, prefix: d.prefix, concurrency: 1, settings },
  );
  worker.on('error', (err) => d.log.error({ err }, 'reconcile worker error'));

  const schedule = async () => {
    if (!o.schedule) return;
    if (o.intervalMs <= 0) {
      await queue.removeJobScheduler(RECONCILE_SCHEDULER_ID);
      return;
    }
    await scheduleEvery(queue, RECONCILE_SCHEDULER_ID, o.intervalMs, 'reconcile');
  };
  await schedule();
  return {
    queue,
    reconciler,
    schedule,
    async close(force = false) {
      await worker.close(force);
      await Promise.all([queue.close(), reconciler.close()]);
    },
  };
}
export type ScheduledReconcile = Awaited<ReturnType<typeof startScheduledReconcile>>;
