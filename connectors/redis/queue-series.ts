import type { ChainableCommander } from 'ioredis';
import type { RedisConnection } from './connection.ts';
import { keys } from './keys.ts';

/*
 * Queue health over time, for the dashboard's charts: one small hash per 5-minute bucket, which
 * expires after 25 h, so memory stays bounded (288 live buckets of a dozen fields) whatever the
 * traffic. Throughput (completed and failed-for-good jobs) is not kept here: BullMQ's own per-minute
 * metrics (Worker `metrics` option, Queue.getMetrics) record it inside the job's finishing script.
 * What BullMQ does not record lives here: parks (counted inside the parking lot's transaction),
 * failed attempts that will be retried, and samples of queue depth and oldest waiting job.
 */

export const BUCKET_MS = 5 * 60_000;
/** A bucket outlives the 24 h window the charts show by an hour, then Redis drops it. */
export const BUCKET_TTL_S = 25 * 3600;

export const bucketStart = (t: number): number => Math.floor(t / BUCKET_MS) * BUCKET_MS;

/** Adds `by` to a bucket counter inside a transaction or pipeline the caller already sends. */
export function countInto(tx: ChainableCommander, prefix: string, field: string, at: number, by = 1): void {
  const key = keys(prefix).seriesBucket(bucketStart(at));
  tx.hincrby(key, field, by).expire(key, BUCKET_TTL_S);
}

/** Sets gauges of the bucket `at` falls in (the last sample in a bucket wins). */
export function gaugeInto(tx: ChainableCommander, prefix: string, gauges: Record<string, number>, at: number): void {
  const key = keys(prefix).seriesBucket(bucketStart(at));
  tx.hset(key, gauges).expire(key, BUCKET_TTL_S);
}

export interface SeriesBucket {
  start: number;
  fields: Record<string, number>;
}

/** Every bucket of the window ending at `now`, oldest first; empty buckets have no fields. One round trip. */
export async function readSeries(
  redis: RedisConnection,
  prefix: string,
  now: number,
  windowMs: number,
): Promise<SeriesBucket[]> {
  const last = bucketStart(now);
  const starts: number[] = [];
  for (let t = last - windowMs + BUCKET_MS; t <= last; t += BUCKET_MS) starts.push(t);
  const tx = redis.pipeline();
  for (const t of starts) tx.hgetall(keys(prefix).seriesBucket(t));
  const replies = (await tx.exec()) ?? [];
  return starts.map((start, i) => {
    const [err, raw] = replies[i] ?? [null, {}];
    const fields: Record<string, number> = {};
    if (!err && raw && typeof raw === 'object')
      for (const [k, v] of Object.entries(raw as Record<string, string>)) fields[k] = Number(v) || 0;
    return { start, fields };
  });
}
