/*
 * `npm run bench -- [--crm salesforce|dynamics] [--n 10000] [--latency 20] [--baseline 1000] ...`
 * (issue 8): seeds the fake Partner Center with N referrals, runs ONE real worker process
 * (bench/worker.ts) against the fake Partner Center and the fake CRM (Salesforce by default, or
 * Dataverse with --crm dynamics; each with a fixed latency per HTTP call, living in this
 * process), waits until every referral has its opportunity and every open one its id written
 * back, then runs a per-record sequential baseline on a subset and prints calls against their lower
 * bounds, throughput, the worker's CPU and peak RSS, and the targets. A benchmark, not a test:
 * it exits 0 when a target is missed (printing MISSED), 1 only when the run itself failed.
 * Results also go to bench/results/latest.json (or --out). With --leads the backfill is mixed
 * (bench/mix.ts): leads land as CRM Leads through the Lead binding production builds, co-sells as
 * opportunities, and a wrong end state fails the run.
 */
import type { Referral } from '../src/domain/referral.ts';
import { makeReferrals } from '../test/fakes/partner-center/fixtures.ts';
import { runBaseline } from './baseline.ts';
import { compileBenchProcesses } from './compile.ts';
import { runWorker } from './main-run.ts';
import { measureCpuFloor } from './floor-run.ts';
import { parseBenchOptions } from './options.ts';
import { endStateProblems, machine, printTable, summarise, writeJson } from './report.ts';
import { makeMixedReferrals } from './mix.ts';

/** Optionally one customer per referral: every batch then has accounts to create. */
function withCustomers(referrals: Referral[], unique: boolean): Referral[] {
  if (!unique) return referrals;
  return referrals.map((r, i) =>
    r.customerProfile
      ? { ...r, customerProfile: { ...r.customerProfile, name: `${r.customerProfile.name ?? 'Customer'} ${i + 1}` } }
      : r,
  );
}

async function main(): Promise<void> {
  const o = parseBenchOptions(process.argv.slice(2));
  const m = machine();
  // --leads: a mixed backfill of leads (to CRM Leads) and co-sells (to opportunities), issue 16.
  const mixed = o.leads ? makeMixedReferrals(o.n) : undefined;
  const referrals = withCustomers(mixed?.referrals ?? makeReferrals(o.n), o.uniqueCustomers);
  process.stderr.write('bench: compiling the worker and CPU-floor processes (tsconfig.bench.json)…\n');
  await compileBenchProcesses();
  process.stderr.write(
    `bench: ${o.n} referrals${
      mixed
        ? ` (${Object.entries(mixed.kinds)
            .map(([k, v]) => `${v} ${k}`)
            .join(', ')})`
        : ''
    }, ${o.latencyMs} ms latency; running the worker…\n`,
  );
  const run = await runWorker(o, referrals, mixed?.leadIds);
  let base;
  if (o.baseline > 0) {
    process.stderr.write(
      `bench: worker done in ${(run.wallMs / 1000).toFixed(1)} s; per-record baseline on ${o.baseline} referrals…\n`,
    );
    base = await runBaseline(referrals.slice(0, o.baseline), o.latencyMs, o.crm, o.baselineConcurrency);
  }
  const floor = o.floor > 0 ? await measureCpuFloor(o.floor, o.crm) : undefined;
  const s = summarise(o, run, base, floor);
  printTable(o, run, base, s, m);
  await writeJson(o.out, {
    at: new Date().toISOString(),
    machine: m,
    options: o,
    run,
    baseline: base ? { ...base, subsetOf: o.n } : null,
    cpuFloor: floor ?? null,
    summary: {
      wallMs: run.wallMs,
      referralsPerSecond: s.perSecond,
      cpuMsPerReferral: s.cpuMsPerReferral,
      cpuFloorMsPerReferral: floor?.cpuMsPerReferral ?? null,
      redisBytesPerReferral: run.redis.total / run.n,
      peakRssMb: s.rssMb,
      lowerBounds: s.bounds,
      opportunityWriteCalls: s.oppWrites,
      leadWriteCalls: s.leadWrites,
      crmWriteCalls: s.crmWrites,
      crmWriteRatio: s.crmWrites / s.bounds.crmWrites,
      ...(o.leads
        ? {
            leadsCreated: run.check.leads,
            opportunitiesCreated: run.check.opportunities,
            endStateProblems: endStateProblems(run),
          }
        : {}),
      baselineReferralsPerSecond: base?.perSecond ?? null,
      speedUp: s.speedUp ?? null,
    },
    targets: s.targets,
  });
  console.log(`\nresults written to ${o.out}`);
  // A wrong end state is a failed run, not a missed target.
  if (o.leads && endStateProblems(run).length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
