import type { Queue } from 'bullmq';
import { BUCKET_MS, readSeries } from '../../connectors/redis/queue-series.ts';
import { QUEUE } from '../queues.ts';
import { METRICS_MAX_DATA_POINTS } from '../queue-series.ts';
import type { DashboardSource } from './source.ts';

/** The charts' window. */
export const HEALTH_WINDOW_MS = 24 * 3_600_000;

/** Queue health per 5-minute bucket over the last 24 h, oldest first (what the charts draw). */
export interface QueueHealth {
  /** Bucket start times, ISO. */
  buckets: string[];
  synced: number[];
  pushed: number[];
  /** Failed attempts (retried or not) of sync and push jobs. */
  errors: number[];
  parked: number[];
  /** Jobs waiting in the sync and push queues, as last sampled in the bucket; null: no sample. */
  depth: (number | null)[];
  /** Minutes the oldest waiting job had waited, as last sampled; null: no sample. */
  oldestMinutes: (number | null)[];
}

/** What Queue.getMetrics returns (BullMQ's per-minute counts, newest first). */
export interface BullMetrics {
  meta: { count: number; prevTS: number; prevCount: number };
  data: number[];
}

/**
 * BullMQ's per-minute counts summed into the buckets starting at `starts` (docs/bullmq-metrics.md).
 * BullMQ pushes a minute's count only when a job finishes in a later minute: `data[i]` is the
 * minute i+1 before the one of `prevTS`, and the jobs since `prevTS` (count - prevCount) are not in
 * `data` yet.
 */
export function metricsToBuckets(m: BullMetrics, starts: readonly number[]): number[] {
  const out = starts.map(() => 0);
  const first = starts[0];
  if (first === undefined || m.meta.prevTS === 0) return out;
  const add = (minute: number, n: number) => {
    const i = Math.floor((minute * 60_000 - first) / BUCKET_MS);
    if (i >= 0 && i < out.length) out[i] = (out[i] ?? 0) + n;
  };
  const current = Math.floor(m.meta.prevTS / 60_000);
  add(current, m.meta.count - m.meta.prevCount);
  m.data.forEach((n, i) => add(current - 1 - i, n));
  return out;
}

const sum = (a: readonly number[][], length: number) =>
  Array.from({ length }, (_, i) => a.reduce((t, xs) => t + (xs[i] ?? 0), 0));

export async function queueHealth(s: DashboardSource, now: Date): Promise<QueueHealth> {
  const series = await readSeries(s.redis, s.prefix, now.getTime(), HEALTH_WINDOW_MS);
  const starts = series.map((b) => b.start);
  const completed = (q: Queue) =>
    q.getMetrics('completed', 0, METRICS_MAX_DATA_POINTS).then((m) => metricsToBuckets(m, starts));
  const sync = s.queues.filter((q) => q.name === QUEUE.sync);
  const push = s.queues.filter((q) => s.crmKinds.some((k) => q.name === `push-${k}`));
  const [synced, pushed] = await Promise.all([Promise.all(sync.map(completed)), Promise.all(push.map(completed))]);
  const field = (name: string) => series.map((b) => b.fields[name] ?? 0);
  const gauge = (a: string, b: string, join: (x: number, y: number) => number) =>
    series.map((bucket) => {
      const x = bucket.fields[a];
      const y = bucket.fields[b];
      return x === undefined && y === undefined ? null : join(x ?? 0, y ?? 0);
    });
  const errSync = field('errors:sync');
  const errPush = field('errors:push');
  return {
    buckets: starts.map((t) => new Date(t).toISOString()),
    synced: sum(synced, starts.length),
    pushed: sum(pushed, starts.length),
    errors: errSync.map((n, i) => n + (errPush[i] ?? 0)),
    parked: field('parked'),
    depth: gauge('depth:sync', 'depth:push', (x, y) => x + y),
    oldestMinutes: gauge('oldest:sync', 'oldest:push', (x, y) => Math.round(Math.max(x, y) / 6_000) / 10),
  };
}

/** The last successful and failed run of one scheduled job (the pull, each CRM's poll). */
export interface LastRun {
  connection: string;
  queue: string;
  lastSuccess: string | null;
  lastFailure: { at: string; reason: string } | null;
}

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : null);

/** Newest finished jobs of the pull and poll queues: BullMQ keeps the last 100 of each. */
export async function lastRuns(s: DashboardSource): Promise<LastRun[]> {
  const scheduled = s.queues.filter((q) => q.name === QUEUE.pull || s.crmKinds.some((k) => q.name === `poll-${k}`));
  return Promise.all(
    scheduled.map(async (q) => {
      const [[done], [failed]] = await Promise.all([q.getCompleted(0, 0), q.getFailed(0, 0)]);
      const failedAt = iso(failed?.finishedOn);
      return {
        connection: q.name === QUEUE.pull ? 'Partner Center (pull)' : `${q.name.slice('poll-'.length)} (poll)`,
        queue: q.name,
        lastSuccess: iso(done?.finishedOn),
        lastFailure: failed && failedAt ? { at: failedAt, reason: failed.failedReason ?? '' } : null,
      };
    }),
  );
}
