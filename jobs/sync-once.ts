import type { Job } from 'bullmq';
import { RetryableError } from '../src/errors.ts';
import type { PullResult, SyncJobRef } from '../src/sync/pull-referrals.ts';
import { retryDelayMs } from './queues.ts';
import type { Runtime } from './runtime.ts';
import { jobIdsOf } from './runtime.ts';

export interface SyncOnceSummary {
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  parked: number;
  invalid: number;
  /** Jobs still waiting for a retry when `maxWaitMs` ran out. */
  pending: number;
}

/**
 * One pull-and-sync cycle: pull, then wait until every queued job finished (completed, or
 * failed for good). Retries with Retry-After are waited for, up to maxWaitMs.
 */
export async function syncOnce(
  rt: Runtime,
  opts: { maxWaitMs: number; onProgress?: (done: number, total: number) => void },
): Promise<SyncOnceSummary> {
  const queued: SyncJobRef[] = [];
  const pulled = await pullWithRetries(rt, queued, 5);
  const ids = [...new Set(jobIdsOf(queued))];
  const summary: SyncOnceSummary = {
    fetched: pulled.fetched,
    created: 0,
    updated: 0,
    unchanged: pulled.inSync,
    parked: pulled.invalid,
    invalid: pulled.invalid,
    pending: 0,
  };
  const open = new Set(ids);
  const deadline = Date.now() + opts.maxWaitMs;
  while (open.size > 0 && Date.now() < deadline) {
    for (const id of [...open]) {
      const job: Job | undefined = await rt.syncQueue.getJob(id);
      if (!job) {
        open.delete(id); // removed by retention: it finished long ago
        summary.unchanged += 1;
        continue;
      }
      const state = await job.getState();
      if (state === 'completed') {
        open.delete(id);
        // Re-read: the job object may have been fetched while still active (no return value yet).
        const r = (await rt.syncQueue.getJob(id))?.returnvalue as unknown;
        if (r === 'created') summary.created += 1;
        else if (r === 'updated') summary.updated += 1;
        else summary.unchanged += 1;
      } else if (state === 'failed') {
        // A job waiting for a retry is 'delayed' or 'waiting'; 'failed' is final (dead letter).
        open.delete(id);
        summary.parked += 1;
      }
    }
    opts.onProgress?.(ids.length - open.size, ids.length);
    if (open.size > 0) await new Promise((r) => setTimeout(r, 200));
  }
  summary.pending = open.size;
  return summary;
}

/**
 * The pull of a one-off run retries here (the worker's pull job retries through BullMQ): a 429
 * or 5xx waits as long as Retry-After says. Pages queued before a failure stay queued; their job
 * ids are collected across attempts so the caller waits for all of them.
 */
async function pullWithRetries(rt: Runtime, queued: SyncJobRef[], attempts: number): Promise<PullResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await rt.runPull((jobs) => queued.push(...jobs));
    } catch (err) {
      if (!(err instanceof RetryableError) || attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, retryDelayMs(attempt, err)));
    }
  }
}
