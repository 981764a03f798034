import type { Job, Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { RedisConnection } from '../connectors/redis/connection.ts';
import { countInto, gaugeInto } from '../connectors/redis/queue-series.ts';
import type { Clock } from '../src/ports/clock.ts';

/*
 * The worker's side of the dashboard's queue health charts (connectors/redis/queue-series.ts).
 * Once a minute it writes, in one pipeline: the failed attempts its workers saw since the last
 * write (counted in memory, so a failing job costs no extra Redis call), and a sample of how many
 * jobs wait and how long the oldest has waited. Every worker process samples; the gauges are the
 * same numbers whichever writes last, and the counters add up.
 */

/** BullMQ's per-minute completed/failed counts kept per queue: 25 h, the charts' 24 h and a spare hour. */
export const METRICS_MAX_DATA_POINTS = 25 * 60;

export const SAMPLE_INTERVAL_MS = 60_000;

/** How many prioritized jobs are looked at for the oldest one (their order is by priority, not age). */
const PRIORITIZED_PEEK = 50;

/** Series of a chart, by what it measures; the queue is in the field name (`depth:sync`). */
export type SeriesGroup = 'sync' | 'push';

export interface QueueSeriesOptions {
  redis: RedisConnection;
  prefix: string;
  /** Queues whose depth and oldest waiting job are sampled, by group. */
  queues: readonly { group: SeriesGroup; queue: Queue }[];
  /** Workers whose failed attempts are counted, by group. */
  workers: readonly { group: SeriesGroup; worker: Worker }[];
  clock: Clock;
  log: Logger;
  intervalMs?: number;
}

/**
 * Age in ms of the oldest job waiting in a queue, plain or prioritized (docs/bullmq-metrics.md);
 * 0 when none waits.
 */
export async function oldestWaitingMs(queue: Queue, now: number): Promise<number> {
  const [tail, prioritized] = await Promise.all([
    // BullMQ adds waiting jobs at the head of its list: the last one is the oldest.
    queue.getJobs(['wait'], -1, -1),
    queue.getJobs(['prioritized'], 0, PRIORITIZED_PEEK - 1),
  ]);
  const times = [...tail, ...prioritized]
    .filter((j): j is Job => j !== undefined && j !== null)
    .map((j) => j.timestamp);
  return times.length === 0 ? 0 : Math.max(0, now - Math.min(...times));
}

export function startQueueSeries(o: QueueSeriesOptions) {
  const errors: Record<SeriesGroup, number> = { sync: 0, push: 0 };
  for (const { group, worker } of o.workers) worker.on('failed', () => (errors[group] += 1));

  /** One sample and the counted errors, in one pipeline. */
  async function sample(): Promise<void> {
    const now = o.clock.now().getTime();
    const gauges: Record<string, number> = {};
    for (const { group, queue } of o.queues) {
      const [counts, oldest] = await Promise.all([
        queue.getJobCounts('wait', 'prioritized'),
        oldestWaitingMs(queue, now),
      ]);
      const depth = (counts.wait ?? 0) + (counts.prioritized ?? 0);
      gauges[`depth:${group}`] = (gauges[`depth:${group}`] ?? 0) + depth;
      gauges[`oldest:${group}`] = Math.max(gauges[`oldest:${group}`] ?? 0, oldest);
    }
    const tx = o.redis.pipeline();
    gaugeInto(tx, o.prefix, gauges, now);
    for (const group of Object.keys(errors) as SeriesGroup[]) {
      if (errors[group] > 0) countInto(tx, o.prefix, `errors:${group}`, now, errors[group]);
      errors[group] = 0;
    }
    await tx.exec();
  }

  // One sample at a time: while Redis is unreachable a sample waits, and the next ones are skipped
  // rather than piling up behind it.
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      await sample();
    } catch (err) {
      o.log.warn({ err }, 'queue health sample not written (Redis?)');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void run(), o.intervalMs ?? SAMPLE_INTERVAL_MS);
  timer.unref();
  void run();
  return {
    sample,
    /**
     * Stops sampling. Failed attempts counted since the last sample are dropped (under a minute's
     * worth): a final write could hang a shutdown while Redis is unreachable.
     */
    stop(): void {
      clearInterval(timer);
    },
  };
}
