import type { Job } from 'bullmq';
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
  const pulled = await rt.runPull();
  const ids = jobIdsOf(pulled.queuedIds);
  const summary: SyncOnceSummary = { fetched: pulled.fetched, created: 0, updated: 0, unchanged: pulled.inSync, parked: pulled.invalid, invalid: pulled.invalid, pending: 0 };
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
        const r = job.returnvalue as unknown;
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

