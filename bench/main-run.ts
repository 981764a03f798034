import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Referral } from '../src/domain/referral.ts';
import { createRedisParkingLot } from '../connectors/redis/parking-lot.ts';
import { QUEUE } from '../jobs/queues.ts';
import { deleteKeys, PC_CLIENT, REDIS_URL } from '../test/integration/harness.ts';
import { startFakePartnerCenter } from '../test/fakes/partner-center/server.ts';
import { startFakeCrm, type CrmCalls } from './fake-crm.ts';
import type { BenchOptions } from './options.ts';
import type { WorkerUsage } from './protocol.ts';
import { spawnWorker } from './worker-process.ts';
import { startCpuHogs } from './cpu-hog.ts';
import { redisBytes, usedMemory, type RedisBytes } from './redis-bytes.ts';

/** `salesforce` or `dataverse` holds the CRM's calls, as the run's --crm says. */
export type RunFigures = RunCounts & CrmCalls;

interface RunCounts {
  n: number;
  open: number;
  /** Referrals seeded as leads (--leads): each should land as one CRM Lead; 0 otherwise. */
  leadReferrals: number;
  /** From the start of the pull until every opportunity and write-back was seen, in ms. */
  wallMs: number;
  /** From the start of the pull until the pull had listed every page, in ms. */
  pullMs: number;
  pull: { fetched: number; queued: number; inSync: number; invalid: number };
  partnerCenter: {
    token: number;
    list: number;
    get: number;
    patch: number;
    unauthorized: number;
    other: number;
    patchConflicts: number;
    /** PATCHes the fake's throttle (--pc-max-rps) answered 429. */
    throttled: number;
  };
  patchRate: PatchRate;
  /** What the run left in Redis once done (job records trimmed as configured). */
  redis: RedisBytes;
  /** Busy-loop processes beside the worker (--cpu-hog). */
  cpuHogs: number;
  /** Sync jobs completed per second, measured the same way. */
  jobRate: PatchRate;
  check: {
    opportunities: number;
    distinctReferrals: number;
    /** Referrals meant for an opportunity (all but the seeded leads) that have none. */
    missing: number;
    /** CRM Leads, the referrals they hold, lead referrals without one (all 0 without --leads). */
    leads: number;
    distinctLeadReferrals: number;
    leadsMissing: number;
    /** Lead referrals with an opportunity, and co-sells with a Lead: the wrong record. */
    misplaced: number;
    writtenBackOnce: number;
    writeBackDuplicates: number;
    parked: number;
    parkedReasons: string[];
  };
  worker: WorkerUsage;
  workerLogLines: number;
  workerProblems: { first: string[]; count: number };
}

/** Applied PATCHes per second between the 10th and the 90th percentile of their times (the ramps left out). */
export interface PatchRate {
  perSecond: number;
  /** The span measured, in s. */
  spanS: number;
}

function steadyRate(times: number[]): PatchRate {
  const sorted = [...times].sort((a, b) => a - b);
  const lo = Math.floor(sorted.length * 0.1);
  const hi = Math.floor(sorted.length * 0.9);
  const spanMs = (sorted[hi] ?? 0) - (sorted[lo] ?? 0);
  return { perSecond: spanMs > 0 ? ((hi - lo) / spanMs) * 1000 : Number.NaN, spanS: spanMs / 1000 };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Seeds the fakes, runs one real worker process over `referrals` and measures it. With --leads,
 * `leadIds` are the referrals that should land as CRM Leads; the rest land as opportunities.
 */
export async function runWorker(
  o: BenchOptions,
  referrals: Referral[],
  leadIds: ReadonlySet<string> = new Set(),
): Promise<RunFigures> {
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL);
  const usedBefore = await usedMemory(redis);
  const pc = await startFakePartnerCenter({
    ...PC_CLIENT,
    latencyMs: o.latencyMs,
    maxPageSize: o.pageSize,
    ...(o.pcMaxRps > 0 ? { patchesPerSecond: o.pcMaxRps } : {}),
  });
  const crm = await startFakeCrm(o.crm, o.latencyMs);
  pc.seed(referrals);
  const openIds = new Set(referrals.filter((r) => r.status !== 'Closed').map((r) => r.id));
  const worker = spawnWorker(
    {
      redisUrl: REDIS_URL,
      prefix,
      pc: { url: pc.url, ...PC_CLIENT, metadata: pc.msalMetadata(pc.tenantId) },
      crm: crm.config,
      pageSize: o.pageSize,
      concurrency: o.concurrency,
      batchWindowMs: o.batchWindowMs,
      logLevel: o.logLevel,
      partnerCenterMaxRps: o.workerMaxRps,
      leads: o.leads,
    },
    o.workerNodeOptions,
  );
  const syncQueue = new Queue(QUEUE.sync, { connection: redis, prefix });
  const queueIdle = async (): Promise<boolean> => {
    const c = await syncQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
    return Object.values(c).every((v) => v === 0);
  };
  let hogs: { stop(): void } | undefined;
  try {
    const started = await worker.next('started');
    hogs = o.cpuHogs > 0 ? startCpuHogs(o.cpuHogs) : undefined;
    // Applied write-backs, counted incrementally (pc.patches only grows).
    const applied = new Map<string, number>();
    let scanned = 0;
    let backs = 0;
    const countPatches = (): void => {
      for (; scanned < pc.patches.length; scanned++) {
        const p = pc.patches[scanned];
        if (p?.outcome !== 'applied') continue;
        const before = applied.get(p.id) ?? 0;
        applied.set(p.id, before + 1);
        if (before === 0 && openIds.has(p.id)) backs += 1;
      }
    };
    const deadline = started.at + o.timeoutS * 1000;
    const parking = createRedisParkingLot(redis, prefix);
    let lastProgress = Date.now();
    let lastIdleCheck = 0;
    let idleButShort = 0;
    let doneAt: number | undefined;
    const records = (): number => crm.opportunityCount() + (o.leads ? crm.leadCount() : 0);
    const state = () =>
      `${backs}/${openIds.size} write-backs, ${crm.opportunityCount()}/${referrals.length - leadIds.size} opportunities${o.leads ? `, ${crm.leadCount()}/${leadIds.size} Leads` : ''}`;
    while (doneAt === undefined) {
      countPatches();
      const gone = worker.gone();
      if (gone) throw new Error(`the bench worker ${gone} before the run was complete (${state()})`);
      const pulled = worker.latest('pulled') !== undefined;
      // Copying every Opportunity is costly at 100 000; only look once the write-backs are in.
      // Done also means the pull has listed its last page and the queue has nothing left.
      if (pulled && backs >= openIds.size && records() >= referrals.length && (await queueIdle())) {
        doneAt = Date.now();
        break;
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${o.timeoutS} s: ${state()}`);
      // Nothing left to run but the work is not all there: something was parked or lost.
      if (pulled && Date.now() - lastIdleCheck > 1_000) {
        lastIdleCheck = Date.now();
        idleButShort = (await queueIdle()) ? idleButShort + 1 : 0;
        if (idleButShort >= 3) {
          const parked = await parking.list(5);
          throw new Error(
            `the worker is idle but the run is incomplete: ${state()}; parked: ${parked.map((p) => p.reason).join(' | ') || 'none'}`,
          );
        }
      }
      if (Date.now() - lastProgress > 5_000) {
        lastProgress = Date.now();
        process.stderr.write(
          `  … ${((Date.now() - started.at) / 1000).toFixed(0)} s: ${backs}/${openIds.size} write-backs, ${pc.counters.list} list pages, ${crm.progress()}\n`,
        );
      }
      await sleep(backs >= openIds.size ? 100 : 25);
    }
    hogs?.stop();
    worker.tell({ type: 'report' });
    const report = await worker.next('report');
    await Promise.race([worker.exited(), sleep(15_000)]);
    const pulled = worker.latest('pulled');
    countPatches();
    const opps = crm.opportunityReferralIds();
    const byReferral = new Set(opps);
    const leads = o.leads ? crm.leadReferralIds() : [];
    const leadByReferral = new Set(leads);
    const parked = await parking.list(1_000);
    const bytes = await redisBytes(redis, prefix, usedBefore);
    return {
      redis: bytes,
      cpuHogs: o.cpuHogs,
      n: referrals.length,
      open: openIds.size,
      leadReferrals: leadIds.size,
      wallMs: doneAt - started.at,
      pullMs: pulled ? pulled.at - started.at : Number.NaN,
      pull: pulled
        ? { fetched: pulled.fetched, queued: pulled.queued, inSync: pulled.inSync, invalid: pulled.invalid }
        : { fetched: 0, queued: 0, inSync: 0, invalid: 0 },
      partnerCenter: {
        token: pc.counters.token,
        list: pc.counters.list,
        get: pc.counters.get,
        patch: pc.counters.patch,
        unauthorized: pc.counters.unauthorized,
        other: pc.counters.other,
        patchConflicts: pc.patches.filter((p) => p.outcome === 'conflict').length,
        throttled: pc.throttledPatches(),
      },
      jobRate: steadyRate(report.usage.jobs.completedAtMs),
      patchRate: steadyRate(pc.patches.filter((p) => p.outcome === 'applied').map((p) => Date.parse(p.at))),
      ...crm.calls(),
      check: {
        opportunities: opps.length,
        distinctReferrals: byReferral.size,
        missing: referrals.filter((r) => !leadIds.has(r.id) && !byReferral.has(r.id)).length,
        leads: leads.length,
        distinctLeadReferrals: leadByReferral.size,
        leadsMissing: [...leadIds].filter((id) => !leadByReferral.has(id)).length,
        misplaced:
          [...leadIds].filter((id) => byReferral.has(id)).length + leads.filter((id) => !leadIds.has(id)).length,
        writtenBackOnce: [...openIds].filter((id) => applied.get(id) === 1).length,
        writeBackDuplicates:
          [...applied.values()].filter((c) => c > 1).length +
          [...applied.keys()].filter((id) => !openIds.has(id)).length,
        parked: parked.length,
        parkedReasons: [...new Set(parked.map((p) => p.reason))].slice(0, 5),
      },
      worker: { ...report.usage, jobs: { ...report.usage.jobs, completedAtMs: [] } },
      workerLogLines: worker.logLines(),
      workerProblems: worker.problems,
    };
  } catch (err) {
    if (worker.problems.first.length > 0)
      process.stderr.write(`worker problems:\n${worker.problems.first.join('\n')}\n`);
    throw err;
  } finally {
    hogs?.stop();
    worker.kill();
    // Keys are deleted only once the worker can no longer write any.
    await Promise.race([worker.exited(), sleep(5_000)]);
    await syncQueue.close();
    await deleteKeys(redis, prefix).catch(() => undefined);
    await redis.quit();
    await pc.close();
    await crm.close();
  }
}
