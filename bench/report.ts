import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem, type as osType, release } from 'node:os';
import { dirname } from 'node:path';
import type { BaselineFigures } from './baseline.ts';
import type { RunFigures } from './main-run.ts';
import type { BenchOptions } from './options.ts';
import type { CpuFloor } from './floor-run.ts';

export type Status = 'pass' | 'MISSED' | 'n/a';
export interface Target {
  name: string;
  actual: string;
  limit: string;
  status: Status;
  note?: string;
}

export function machine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
    loadAvgAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  };
}

/** Records per write call at best: a Salesforce collection (200) or a Dataverse `$batch` (1,000). */
const fullBatch = (run: RunFigures): number => (run.dataverse ? 1000 : 200);

/**
 * Lower bounds of the CRM write calls: one full batch per `batch` opportunities and one per
 * `batch` Leads (--leads; the two batchers never share a call), and their sum.
 */
export function writeBounds(
  n: number,
  leadReferrals: number,
  batch: number,
): { oppWrites: number; leadWrites: number; crmWrites: number } {
  const oppWrites = Math.ceil((n - leadReferrals) / batch);
  const leadWrites = Math.ceil(leadReferrals / batch);
  return { oppWrites, leadWrites, crmWrites: oppWrites + leadWrites };
}

/** Opportunity and Lead write calls, and all CRM write calls (accounts and anything else too). */
function writeCalls(run: RunFigures): { oppWrites: number; leadWrites: number; crmWrites: number } {
  if (run.dataverse) {
    const dv = run.dataverse;
    const oppWrites = dv.oppBatches + dv.oppSingles;
    const leadWrites = dv.leadBatches + dv.leadSingles;
    return {
      oppWrites,
      leadWrites,
      crmWrites: oppWrites + leadWrites + dv.accountBatches + dv.accountSingles + dv.otherWrites,
    };
  }
  const sf = run.salesforce;
  const oppWrites = sf.oppCollections + sf.oppSingles;
  const leadWrites = sf.leadCollections + sf.leadSingles;
  return { oppWrites, leadWrites, crmWrites: oppWrites + leadWrites + sf.accountWrites + sf.otherWrites };
}

/** Issue 19's CPU targets: Dataverse's $batch bodies cost more to build and parse. */
const cpuLimit = (run: RunFigures): number => (run.dataverse ? 0.8 : 0.6);

/** Everything derived from the raw counts: lower bounds, ratios, rates, targets. */
export function summarise(
  o: BenchOptions,
  run: RunFigures,
  base: BaselineFigures | undefined,
  floor: CpuFloor | undefined,
) {
  const bounds = {
    ...writeBounds(run.n, run.leadReferrals, fullBatch(run)),
    listPages: Math.ceil(run.n / o.pageSize),
    patches: run.open,
  };
  const { oppWrites, leadWrites, crmWrites } = writeCalls(run);
  const perSecond = run.n / (run.wallMs / 1000);
  const speedUp = base ? perSecond / base.perSecond : undefined;
  const rssMb = run.worker.maxRssKb / 1024;
  const cpuMs = run.worker.cpuRunMs / run.n;
  const targets: Target[] = [
    {
      name: `CRM write calls <= 1.02 x lower bound${run.cpuHogs > 0 ? ` (${run.cpuHogs} CPU hogs)` : ''}`,
      actual: `${crmWrites} (${(crmWrites / bounds.crmWrites).toFixed(2)}x)`,
      limit: `<= ${(1.02 * bounds.crmWrites).toFixed(1)}`,
      status: crmWrites <= 1.02 * bounds.crmWrites ? 'pass' : 'MISSED',
    },
    {
      name: 'speed-up vs parallel per-record flows',
      actual: speedUp === undefined ? '-' : `${speedUp.toFixed(1)}x`,
      limit: 'reported',
      status: 'n/a',
      note:
        speedUp === undefined
          ? 'baseline skipped (--baseline 0)'
          : `${base?.concurrency ?? 0} flows at once, with write-back; the call ratio is the point`,
    },
    {
      name: `CPU ms per referral <= ${cpuLimit(run)}`,
      actual: `${cpuMs.toFixed(2)}${floor ? ` (${(cpuMs / floor.cpuMsPerReferral).toFixed(1)}x floor)` : ''}`,
      limit: `<= ${cpuLimit(run)}`,
      status: cpuMs <= cpuLimit(run) ? 'pass' : 'MISSED',
      ...(run.n < 100_000 ? { note: `target is at 100 000; N=${run.n}` } : {}),
    },
    {
      name: 'peak RSS < 200 MB at 100 000',
      actual: `${rssMb.toFixed(0)} MB`,
      limit: '< 200 MB',
      status: run.n < 100_000 ? 'n/a' : rssMb < 200 ? 'pass' : 'MISSED',
      ...(run.n < 100_000 ? { note: `indicative only at N=${run.n}; run --n 100000` } : {}),
    },
  ];
  return {
    bounds,
    oppWrites,
    leadWrites,
    crmWrites,
    perSecond,
    speedUp,
    rssMb,
    targets,
    cpuMsPerReferral: cpuMs,
    floor,
    recordsPerOppWrite: (run.n - run.leadReferrals) / Math.max(1, oppWrites),
  };
}
export type Summary = ReturnType<typeof summarise>;

const pad = (s: string | number, w: number): string => String(s).padStart(w);
const row = (label: string, actual: number | string, bound: number | string, ratio = ''): string =>
  `  ${label.padEnd(54)}${pad(actual, 9)}${pad(bound, 13)}${pad(ratio, 8)}`;
const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : '');

/** Batches smaller than a full collection (200) or `$batch` (1,000), as `size@seconds`. */
function partialBatches(run: RunFigures, batches = run.worker.batches): string {
  const partial = batches.filter((b) => b.size < fullBatch(run));
  const shown = partial.slice(0, 12).map((b) => `${b.size}@${(b.atMs / 1000).toFixed(1)}`);
  return partial.length > 12 ? `${shown.join(' ')} … (${partial.length} in all)` : shown.join(' ');
}

/** The CRM's rows of the calls table. */
function crmRows(run: RunFigures, s: Summary): string[] {
  const b = s.bounds.oppWrites;
  const lb = s.bounds.leadWrites;
  const all = s.bounds.crmWrites;
  const withLeads = run.leadReferrals > 0;
  if (run.dataverse) {
    const dv = run.dataverse;
    return [
      row('Dataverse       token', dv.token, 1),
      row('                query (account look-ups)', dv.accountQueries, '-'),
      row('                query (closed checks, currencies)', dv.otherQueries, '-'),
      row('                $batch calls (opportunities)', dv.oppBatches, b, ratio(dv.oppBatches, b)),
      row('                $batch calls (accounts only)', dv.accountBatches, 0),
      row('                single upserts (opportunity / account)', `${dv.oppSingles}/${dv.accountSingles}`, 0),
      ...(withLeads
        ? [
            row('                $batch calls (leads)', dv.leadBatches, lb, ratio(dv.leadBatches, lb)),
            row('                single upserts (lead)', dv.leadSingles, 0),
          ]
        : []),
      ...(dv.otherWrites > 0 ? [row('                other writes', dv.otherWrites, 0)] : []),
      row('CRM write calls (all Dataverse writes)', s.crmWrites, all, ratio(s.crmWrites, all)),
    ];
  }
  const sf = run.salesforce;
  return [
    row('Salesforce      token', sf.token, 1),
    row('                query (account look-ups)', sf.query, '-'),
    row(
      '                Opportunity batch calls (collections / composite)',
      sf.oppCollections,
      b,
      ratio(sf.oppCollections, b),
    ),
    row('                Opportunity single upserts', sf.oppSingles, 0),
    row('                Account writes', sf.accountWrites, 0),
    ...(withLeads
      ? [
          row(
            '                Lead batch calls (collections / composite)',
            sf.leadCollections,
            lb,
            ratio(sf.leadCollections, lb),
          ),
          row('                Lead single upserts', sf.leadSingles, 0),
        ]
      : []),
    ...(sf.otherWrites > 0 ? [row('                other writes', sf.otherWrites, 0)] : []),
    row('CRM write calls (all Salesforce writes)', s.crmWrites, all, ratio(s.crmWrites, all)),
  ];
}

/**
 * What is wrong with a run's end state, empty when nothing is: one record per referral, on the
 * record its kind lands as (a Lead per lead referral with --leads, an opportunity otherwise),
 * each open referral's id written back exactly once, nothing parked.
 */
export function endStateProblems(run: Pick<RunFigures, 'n' | 'open' | 'leadReferrals' | 'check'>): string[] {
  const c = run.check;
  const opps = run.n - run.leadReferrals;
  const problems: string[] = [];
  if (c.missing > 0) problems.push(`${c.missing} referrals without their opportunity`);
  if (c.opportunities !== opps || c.distinctReferrals !== opps)
    problems.push(`${c.opportunities} opportunities for ${c.distinctReferrals} referrals, expected ${opps}`);
  if (c.leadsMissing > 0) problems.push(`${c.leadsMissing} lead referrals without their Lead`);
  if (c.leads !== run.leadReferrals || c.distinctLeadReferrals !== run.leadReferrals)
    problems.push(`${c.leads} Leads for ${c.distinctLeadReferrals} referrals, expected ${run.leadReferrals}`);
  if (c.misplaced > 0) problems.push(`${c.misplaced} referrals on the wrong record (Lead / opportunity)`);
  if (c.writtenBackOnce !== run.open) problems.push(`${c.writtenBackOnce}/${run.open} ids written back exactly once`);
  if (c.writeBackDuplicates > 0) problems.push(`${c.writeBackDuplicates} duplicate or unexpected write-backs`);
  if (c.parked > 0) problems.push(`${c.parked} parked`);
  return problems;
}

export function printTable(
  o: BenchOptions,
  run: RunFigures,
  base: BaselineFigures | undefined,
  s: Summary,
  m: ReturnType<typeof machine>,
): void {
  const pc = run.partnerCenter;
  const crmName = run.dataverse ? 'Dataverse' : 'Salesforce';
  const out: string[] = [
    '',
    `referral-sync benchmark: N = ${run.n} referrals (${run.open} open), ${o.latencyMs} ms per HTTP call on every fake, page size ${o.pageSize}, concurrency ${o.concurrency}, batch window ${o.batchWindowMs} ms`,
    `machine: ${m.cpu} x ${m.cores}, ${m.memoryGb} GB, ${m.os}, Node ${m.node}, load average at start ${m.loadAvgAtStart.join(' ')}`,
    ...(run.leadReferrals > 0
      ? [
          `mixed backfill (--leads): ${run.leadReferrals} lead referrals (marketplace and qualified, New) to CRM Leads, ${run.n - run.leadReferrals} co-sells to opportunities; the worker has its CRM's Lead binding as production builds it`,
        ]
      : []),
    `worker: one process${o.workerNodeOptions.length ? ` (node ${o.workerNodeOptions.join(' ')})` : ''}, real runtime (BullMQ + Redis, upsert batcher, real connectors), ${run.dataverse ? 'Dynamics 365 (Dataverse Web API, client credentials)' : 'Salesforce JWT'}, default mapping, log level ${o.logLevel}; expiry and outbound sync off`,
    '',
    `  ${'wall time (pull start -> last opportunity and write-back)'.padEnd(58)}${pad((run.wallMs / 1000).toFixed(2), 9)} s`,
    `  ${'  of which the pull listing every page'.padEnd(58)}${pad((run.pullMs / 1000).toFixed(2), 9)} s`,
    `  ${'referrals/s'.padEnd(58)}${pad(s.perSecond.toFixed(0), 9)}`,
    `  ${'worker CPU ms per referral'.padEnd(58)}${pad(s.cpuMsPerReferral.toFixed(2), 9)}    (run ${run.worker.cpuRunMs.toFixed(0)} ms; startup ${run.worker.cpuStartupMs.toFixed(0)} ms not counted)`,
    s.floor
      ? `  ${'CPU floor ms per referral (same run; bench/cpu-floor.ts)'.padEnd(58)}${pad(s.floor.cpuMsPerReferral.toFixed(2), 9)}    (worker / floor = ${(s.cpuMsPerReferral / s.floor.cpuMsPerReferral).toFixed(1)}x; parse page, map, write body, one Redis pipeline, the PATCH over node:http, on ${s.floor.n})`
      : '  CPU floor: skipped (--floor 0)',
    `  ${"Redis bytes per referral (MEMORY USAGE of the run's keys)".padEnd(58)}${pad((run.redis.total / run.n).toFixed(0), 9)}    (${run.redis.keys} keys; used_memory delta ${(run.redis.usedMemoryDelta / run.n).toFixed(0)} B/referral, shared Redis; ${Object.entries(
      run.redis.byKind,
    )
      .map(([k, v]) => `${k} ${(v.bytes / run.n).toFixed(0)} B in ${v.keys} keys`)
      .join(', ')})`,
    `  ${'worker peak RSS'.padEnd(58)}${pad(s.rssMb.toFixed(0), 9)} MB    (RSS after startup ${run.worker.rssAtStartMb.toFixed(0)} MB, at the end ${run.worker.rssAtEndMb.toFixed(0)} MB; heap used ${run.worker.heapUsedMb.toFixed(0)} MB)`,
    `  ${'  at the highest RSS sampled (every 200 ms)'.padEnd(58)}${pad(run.worker.atPeak.rssMb.toFixed(0), 9)} MB    (V8 heap ${run.worker.atPeak.heapTotalMb.toFixed(0)} MB reserved, ${run.worker.atPeak.heapUsedMb.toFixed(0)} MB in use; external ${run.worker.atPeak.externalMb.toFixed(0)} MB, of which array buffers ${run.worker.atPeak.arrayBuffersMb.toFixed(0)} MB)`,
    '',
    row('HTTP calls', 'actual', 'lower bound', 'ratio'),
    row('Partner Center  token', pc.token, 1),
    row('                list pages', pc.list, s.bounds.listPages, ratio(pc.list, s.bounds.listPages)),
    row('                get', pc.get, 0),
    row(
      '                patch (id write-back, no batch PATCH)',
      pc.patch,
      s.bounds.patches,
      ratio(pc.patch, s.bounds.patches),
    ),
    ...(pc.unauthorized + pc.other > 0
      ? [row('                401s / unknown routes', `${pc.unauthorized}/${pc.other}`, 0)]
      : []),
    ...(o.pcMaxRps > 0
      ? [
          row('                PATCHes answered 429 (throttle)', pc.throttled, 0),
          `  Partner Center throttled at ${o.pcMaxRps} PATCH/s, worker PARTNER_CENTER_MAX_RPS=${o.workerMaxRps || 'unpaced'}: applied PATCHes ${run.patchRate.perSecond.toFixed(1)}/s over the middle 80% (${run.patchRate.spanS.toFixed(1)} s), ${(run.patchRate.perSecond / o.pcMaxRps).toFixed(2)}x the allowed rate; sync jobs ${run.jobRate.perSecond.toFixed(1)}/s (${(run.jobRate.perSecond / o.pcMaxRps).toFixed(2)}x; Closed referrals take a job but no PATCH)`,
        ]
      : []),
    `  sync jobs: ${run.worker.jobs.completed} completed, ${run.worker.jobs.failedAttempts} attempts spent on failures`,
    ...crmRows(run, s),
    `  (${s.recordsPerOppWrite.toFixed(1)} referrals per Opportunity write call${run.leadReferrals > 0 ? `, ${(run.leadReferrals / Math.max(1, s.leadWrites)).toFixed(1)} per Lead write call` : ''}; pull listed ${run.pull.fetched} referrals, queued ${run.pull.queued})`,
    `  ${run.leadReferrals > 0 ? 'opportunity ' : ''}batches handed to the connector: ${run.worker.batches.length}; not full (size@s since pull start): ${partialBatches(run) || 'none'}`,
    ...(run.leadReferrals > 0
      ? [
          `  Lead batches handed to the connector: ${run.worker.leadBatches.length}; not full: ${partialBatches(run, run.worker.leadBatches) || 'none'}`,
          `  created: ${run.check.leads} Leads (${run.leadReferrals} lead referrals), ${run.check.opportunities} opportunities (${run.n - run.leadReferrals} co-sells); write calls per object: Leads ${s.leadWrites} (bound ${s.bounds.leadWrites}), opportunities ${s.oppWrites} (bound ${s.bounds.oppWrites}); ${s.cpuMsPerReferral.toFixed(2)} CPU ms per referral`,
        ]
      : []),
    '',
  ];
  if (base) {
    out.push(
      `baseline: per-record flows, ${base.concurrency} at once (a Power Automate / Logic Apps flow per event: map, one single-record upsert through the real connector, then the id write-back PATCH),`,
      base.n < run.n
        ? `  measured on a SUBSET: the first ${base.n} of the ${run.n} referrals (same latency, with write-back):`
        : `  measured on all ${base.n} referrals (same latency, with write-back):`,
      `  ${'baseline referrals/s'.padEnd(58)}${pad(base.perSecond.toFixed(1), 9)}    (${(base.calls.total / base.n).toFixed(2)} ${crmName} calls and ${(base.patches / base.n).toFixed(2)} PATCHes per referral${base.failed ? `, ${base.failed} FAILED` : ''})`,
      `  ${'our speed-up (our referrals/s / baseline referrals/s)'.padEnd(58)}${pad(`${(s.speedUp ?? 0).toFixed(1)}x`, 9)}`,
      `  ${`CRM calls for ${run.n} referrals: ours / the flows' (scaled from the subset)`.padEnd(58)}${pad(`${s.crmWrites} / ${Math.round((base.calls.total / base.n) * run.n)}`, 9)}    (1 : ${(((base.calls.total / base.n) * run.n) / Math.max(1, s.crmWrites)).toFixed(0)})`,
      '',
    );
  } else out.push('baseline: skipped (--baseline 0)', '');
  out.push('targets');
  for (const t of s.targets)
    out.push(
      `  ${t.name.padEnd(40)}${pad(t.actual, 16)}  ${t.limit.padEnd(10)}  ${t.status}${t.note ? `  (${t.note})` : ''}`,
    );
  const c = run.check;
  const records =
    run.leadReferrals > 0
      ? `${c.leads} Leads for ${c.distinctLeadReferrals}/${run.leadReferrals} lead referrals (${c.leadsMissing} missing), ${c.opportunities} opportunities for ${c.distinctReferrals}/${run.n - run.leadReferrals} co-sells (${c.missing} missing), ${c.misplaced} on the wrong record`
      : `${c.opportunities} opportunities for ${c.distinctReferrals}/${run.n} referrals (${c.missing} missing)`;
  out.push(
    '',
    `checks: ${records}, ${c.writtenBackOnce}/${run.open} ids written back exactly once, ${c.writeBackDuplicates} duplicate or unexpected write-backs, ${pc.patchConflicts} 412s, ${c.parked} parked`,
    ...c.parkedReasons.map((r) => `  parked: ${r}`),
    ...(run.leadReferrals > 0
      ? [
          endStateProblems(run).length === 0
            ? 'end state: OK (one Lead per lead referral, one opportunity per co-sell, each id written back once, nothing parked)'
            : `END STATE WRONG: ${endStateProblems(run).join('; ')}`,
        ]
      : []),
    `worker log: ${run.workerLogLines} lines, ${run.workerProblems.count} at warn or above`,
    ...run.workerProblems.first.slice(0, 5).map((l) => `  ${l}`),
  );
  const missed = s.targets.filter((t) => t.status === 'MISSED');
  if (missed.length > 0) out.push('', `MISSED: ${missed.map((t) => t.name).join('; ')}`);
  console.log(out.join('\n'));
}

export async function writeJson(path: string, data: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(data, null, 2)}\n`);
}
